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
