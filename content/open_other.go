//go:build !unix

package content

import "os"

// openFile opens a content file for reading.
func openFile(name string) (*os.File, error) { return os.Open(name) }
