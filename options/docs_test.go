package options

import (
	"os"
	"strings"
	"testing"
)

// TestDocsListEveryOption keeps docs/options.md in step with the code.
func TestDocsListEveryOption(t *testing.T) {
	doc, err := os.ReadFile("../docs/options.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range All() {
		key := d.Key
		// Grouped rows name the sibling by its suffix, e.g. "`.password`".
		if !strings.Contains(string(doc), "`"+key+"`") && !strings.Contains(string(doc), "`."+key[strings.LastIndexByte(key, '.')+1:]+"`") {
			t.Errorf("docs/options.md does not document %s", key)
		}
	}
}

// TestDocsDefaults keeps the defaults docs/options.md states equal to the
// defs table's.
func TestDocsDefaults(t *testing.T) {
	doc, err := os.ReadFile("../docs/options.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // key -> default column
	for _, line := range strings.Split(string(doc), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) > 3 && strings.HasPrefix(strings.TrimSpace(cols[1]), "`") {
			rows[strings.Trim(strings.TrimSpace(cols[1]), "`")] = strings.TrimSpace(cols[2])
		}
	}
	for _, d := range All() {
		if d.Default == "" {
			continue
		}
		if got, want := rows[d.Key], "`"+d.Default+"`"; got != want {
			t.Errorf("docs/options.md gives %s the default %q, the defs table %q", d.Key, got, want)
		}
	}
}
