# shellcheck shell=bash
# secure.sh is sourced by kafka.sh when KAFARR_KAFKA_SECURE=1. It adds three
# secured listeners beside the PLAINTEXT one (which waitkafka and most tests
# keep using):
#
#   SSL       127.0.0.1:$TLS_PORT   TLS, server certificate only
#   MTLS      127.0.0.1:$MTLS_PORT  TLS, client certificate required
#   SASL_SSL  127.0.0.1:$SASL_PORT  TLS + SASL PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
#
# Every fresh start makes a new CA, a server certificate for 127.0.0.1 and
# localhost, and a client certificate (openssl, EC P-256, PEM; Kafka reads PEM
# key stores directly, so no keytool and no extra JVM start), and new random
# passwords for the three SASL users. The SCRAM users are created by
# StorageTool format (--add-scram), so they exist before the broker first
# listens. The passwords are kept beside the certificates in
# $TLS_DIR/sasl-passwords (mode 600): a restart on kept data
# (KAFARR_KAFKA_KEEP_DATA=1) formats nothing, so its SCRAM users keep the old
# passwords, and load_secrets reads them back. write_secure_env leaves the
# addresses, file paths and credentials in $STACK_DIR/kafka-secure.env for
# stack.sh to fold into the env file.

TLS_DIR=$KAFKA_DIR/tls
SASL_PASSWORDS=$TLS_DIR/sasl-passwords
SECURE_ENV=$STACK_DIR/kafka-secure.env
SASL_PLAIN_USER=kafarr-plain
SASL_SCRAM256_USER=kafarr-scram256
SASL_SCRAM512_USER=kafarr-scram512

# random_secret prints 24 random hex characters: no character that JAAS or
# the --add-scram syntax would need quoted. (No `| head` here: under
# pipefail a writer cut off by head would fail the start.)
random_secret() {
	openssl rand -hex 12
}

# make_certs writes ca.pem, server.pem (key + chain, Kafka's PEM key store),
# client.crt and client.key into TLS_DIR, and picks the SASL passwords.
make_certs() {
	mkdir -p "$TLS_DIR"
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
	(
		cd "$TLS_DIR" || exit 1
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 30 \
			-subj /CN=kafarr-test-ca 2>/dev/null &&
			openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
				-extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n') -out server.crt 2>/dev/null &&
			openssl req "${ec[@]}" -keyout client.key -out client.csr -subj /CN=kafarr-test-client 2>/dev/null &&
			openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
				-extfile <(printf 'extendedKeyUsage=clientAuth\n') -out client.crt 2>/dev/null &&
			cat server.key server.crt ca.pem >server.pem &&
			rm -f ./*.csr ca.srl
	) || die "generating test certificates in $TLS_DIR failed (is openssl installed?)"
	SASL_PLAIN_PASSWORD=$(random_secret)
	SASL_SCRAM256_PASSWORD=$(random_secret)
	SASL_SCRAM512_PASSWORD=$(random_secret)
	save_secrets
}

# save_secrets writes the SASL passwords to SASL_PASSWORDS, readable by its
# owner only from the moment it exists.
save_secrets() {
	(
		umask 077
		printf 'SASL_PLAIN_PASSWORD=%s\nSASL_SCRAM256_PASSWORD=%s\nSASL_SCRAM512_PASSWORD=%s\n' \
			"$SASL_PLAIN_PASSWORD" "$SASL_SCRAM256_PASSWORD" "$SASL_SCRAM512_PASSWORD" >"$SASL_PASSWORDS.tmp"
	) || die "writing $SASL_PASSWORDS failed"
	mv "$SASL_PASSWORDS.tmp" "$SASL_PASSWORDS"
}

# load_secrets checks, on a restart with kept data, that the data was
# formatted with the secured listeners, and reads back the SASL passwords
# save_secrets wrote (parsed, not sourced: only the three names, each a hex
# string as random_secret makes).
load_secrets() {
	local f missing=()
	for f in ca.pem server.pem client.crt client.key sasl-passwords; do
		[[ -s $TLS_DIR/$f ]] || missing+=("$f")
	done
	if (( ${#missing[@]} )); then
		die "KAFARR_KAFKA_SECURE=1 with kept data, but $TLS_DIR lacks ${missing[*]}: the data was formatted without the secured listeners (or by an older kafka.sh); start once without KAFARR_KAFKA_KEEP_DATA=1 to format it afresh"
	fi
	SASL_PLAIN_PASSWORD='' SASL_SCRAM256_PASSWORD='' SASL_SCRAM512_PASSWORD=''
	local key val
	while IFS='=' read -r key val; do
		[[ $val =~ ^[0-9a-f]+$ ]] || die "$SASL_PASSWORDS: the value of ${key:-a line} is not a hex password"
		case $key in
		SASL_PLAIN_PASSWORD) SASL_PLAIN_PASSWORD=$val ;;
		SASL_SCRAM256_PASSWORD) SASL_SCRAM256_PASSWORD=$val ;;
		SASL_SCRAM512_PASSWORD) SASL_SCRAM512_PASSWORD=$val ;;
		*) die "$SASL_PASSWORDS: unexpected line for ${key:-an empty name}" ;;
		esac
	done <"$SASL_PASSWORDS"
	[[ -n $SASL_PLAIN_PASSWORD && -n $SASL_SCRAM256_PASSWORD && -n $SASL_SCRAM512_PASSWORD ]] ||
		die "$SASL_PASSWORDS lacks a password (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are needed)"
}

# scram_format_args prints the StorageTool format arguments (one a line)
# that create the two SCRAM users.
scram_format_args() {
	printf '%s\n' \
		--add-scram "SCRAM-SHA-256=[name=$SASL_SCRAM256_USER,password=$SASL_SCRAM256_PASSWORD]" \
		--add-scram "SCRAM-SHA-512=[name=$SASL_SCRAM512_USER,password=$SASL_SCRAM512_PASSWORD]"
}

# secure_props prints the server.properties lines for the secured listeners;
# they override listeners, advertised.listeners and the protocol map above.
secure_props() {
	cat <<EOP

# Secured listeners (KAFARR_KAFKA_SECURE=1, tests/stack/secure.sh).
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SSL://127.0.0.1:$TLS_PORT,MTLS://127.0.0.1:$MTLS_PORT,SASL_SSL://127.0.0.1:$SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SSL://127.0.0.1:$TLS_PORT,MTLS://127.0.0.1:$MTLS_PORT,SASL_SSL://127.0.0.1:$SASL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/server.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
ssl.client.auth=none
listener.name.mtls.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_PLAIN_USER="$SASL_PLAIN_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOP
}

# write_secure_env writes the secured listeners' addresses, the PEM paths
# and the SASL users for stack.sh's env file.
write_secure_env() {
	local tmp=$SECURE_ENV.tmp.$$
	cat >"$tmp" <<EOE
export KAFARR_TEST_TLS_BROKERS=127.0.0.1:$TLS_PORT
export KAFARR_TEST_MTLS_BROKERS=127.0.0.1:$MTLS_PORT
export KAFARR_TEST_SASL_BROKERS=127.0.0.1:$SASL_PORT
export KAFARR_TEST_TLS_CA_FILE=$TLS_DIR/ca.pem
export KAFARR_TEST_TLS_CERT_FILE=$TLS_DIR/client.crt
export KAFARR_TEST_TLS_KEY_FILE=$TLS_DIR/client.key
export KAFARR_TEST_SASL_PLAIN_USER=$SASL_PLAIN_USER
export KAFARR_TEST_SASL_PLAIN_PASSWORD=$SASL_PLAIN_PASSWORD
export KAFARR_TEST_SASL_SCRAM256_USER=$SASL_SCRAM256_USER
export KAFARR_TEST_SASL_SCRAM256_PASSWORD=$SASL_SCRAM256_PASSWORD
export KAFARR_TEST_SASL_SCRAM512_USER=$SASL_SCRAM512_USER
export KAFARR_TEST_SASL_SCRAM512_PASSWORD=$SASL_SCRAM512_PASSWORD
EOE
	chmod 600 "$tmp"
	mv "$tmp" "$SECURE_ENV"
}
