// Hand-written companion of the export layer that build.sh generates from
// arrow-adbc's templates; build.sh copies it into the generated package, so
// it compiles only there (the driverlib tag keeps it out of ./... builds).

//go:build driverlib

package main

// #include "../../drivermgr/arrow-adbc/adbc.h"
import "C"

// AdbcDriverKafkaInit is AdbcDriverKafarrInit under the name an ADBC driver
// manager derives for a driver called "kafka": a kafka:// URI makes the
// manager load the driver named after the URI scheme, and a manifest or
// library named kafka makes it look up AdbcDriverKafkaInit.
//
//export AdbcDriverKafkaInit
func AdbcDriverKafkaInit(version C.int, rawDriver *C.void, err *C.struct_AdbcError) C.AdbcStatusCode {
	return AdbcDriverKafarrInit(version, rawDriver, err)
}
