package feeds

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden compares feeds of the example site, in every format, with the
// documents in testdata/golden. After an intended change, run
//
//	go test ./feeds/ -run TestGolden -update
//
// and review the diff.
func TestGolden(t *testing.T) {
	snap := load(t, exampleSite)
	h := New(Options{Snapshot: fixed(snap)}).Wrap(notFound())
	lists := []string{"/", "/notes/", "/tags/operations/", "/es/"}
	for _, list := range lists {
		for _, name := range []string{"index.xml", "atom.xml", "feed.json"} {
			path := list + name
			t.Run(path, func(t *testing.T) {
				resp := get(t, h, http.MethodGet, path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				got := readBody(t, resp)
				file := filepath.Join("testdata", "golden", strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "_"))
				if *update {
					if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s (run with -update and review the diff):\n%s", path, file, firstDiff(got, want))
				}
			})
		}
	}
}

// TestDeterministic builds the feeds of the example site twice, from two
// loads, and expects the same bytes: nothing in a feed depends on the
// clock or on map order.
func TestDeterministic(t *testing.T) {
	a := New(Options{Snapshot: fixed(load(t, exampleSite))}).Wrap(notFound())
	b := New(Options{Snapshot: fixed(load(t, exampleSite))}).Wrap(notFound())
	for _, path := range []string{"/index.xml", "/atom.xml", "/feed.json", "/tags/meta/atom.xml"} {
		x, y := readBody(t, get(t, a, http.MethodGet, path)), readBody(t, get(t, b, http.MethodGet, path))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds:\n%s", path, firstDiff(x, y))
		}
	}
}

// firstDiff shows where got and want first differ.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-120)
	return "got:  ..." + string(got[from:min(len(got), i+120)]) + "\nwant: ..." + string(want[from:min(len(want), i+120)])
}
