package content

import "fmt"

// Severity says whether a Diagnostic keeps a page out of the site.
type Severity int

const (
	// Warning marks something that was rendered in a degraded way.
	Warning Severity = iota
	// Error marks something that kept a page, or part of the site, from loading.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Diagnostic is one problem found while reading the site, located by file and
// line so a writer can go straight to it.
type Diagnostic struct {
	File     string // path relative to the site root, slash-separated
	Line     int    // 1-based; 0 when the problem concerns the whole file
	Severity Severity
	Message  string
}

func (d Diagnostic) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", d.File, d.Line, d.Severity, d.Message)
	}
	return fmt.Sprintf("%s: %s: %s", d.File, d.Severity, d.Message)
}
