package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// contentRoot is one folder pages are read from: the site's content folder,
// or a language's own contentDir.
type contentRoot struct {
	dir  string // relative to the site root, slash-separated ("content")
	lang string // the language of every file in it, or "" to read it from file names
}

// dirState is what one scan found in a folder of a content root.
type dirState struct {
	rel    string   // site-relative, slash-separated
	root   int      // index into the builder's roots
	leaf   bool     // holds index.md: a leaf bundle
	branch bool     // holds _index.md: a section
	pages  []string // content file names directly in the folder
	// pagePaths are the site-relative paths of pages, in the same order.
	pagePaths []string
	// sources are the parsed pages, in the same order, once a build has
	// read them; a rescan makes a new dirState whose sources are read anew
	// or taken from the builder's map.
	sources []*source
	subdirs []string // names of folders scanned separately (none in a leaf)
	// resources are a leaf bundle's files, its subfolders included.
	resources []Resource
	// diags are the problems found reading this folder's entries.
	diags []Diagnostic
	// gen is the builder's scanGen when the folder was scanned.
	gen uint64
}

// contentExts are the file extensions read as Markdown pages.
var contentExts = map[string]bool{".md": true, ".markdown": true, ".mdown": true}

func isContentFile(name string) bool { return contentExts[strings.ToLower(path.Ext(name))] }

// splitContentName splits "post.es.md" into ("post", "es") when es is one of
// langs, else ("post.es", "").
func splitContentName(name string, langs map[string]bool) (base, lang string) {
	base = strings.TrimSuffix(name, path.Ext(name))
	if i := strings.LastIndexByte(base, '.'); i > 0 && langs[strings.ToLower(base[i+1:])] {
		return base[:i], strings.ToLower(base[i+1:])
	}
	return base, ""
}

// scanDir reads the folder rel (site-relative) and, unless it is a leaf
// bundle, every folder below it, recording them in dirs. With shallow set, a
// subfolder already in dirs is kept as it is rather than read again. A
// problem with one entry is recorded on its folder and the scan goes on past
// it.
func (b *builder) scanDir(root int, rel string, dirs map[string]*dirState, shallow bool) {
	var mu sync.Mutex
	b.scanInto(root, rel, dirs, &mu, shallow)
}

// scanInto is scanDir with the lock that guards dirs; folders with many
// subfolders have them scanned on every core.
func (b *builder) scanInto(root int, rel string, dirs map[string]*dirState, mu *sync.Mutex, shallow bool) {
	d := &dirState{rel: rel, root: root, gen: b.scanGen.Add(1)}
	mu.Lock()
	dirs[rel] = d
	mu.Unlock()
	abs := filepath.Join(b.siteDir, filepath.FromSlash(rel))
	entries, err := os.ReadDir(abs)
	if err != nil {
		d.diags = append(d.diags, Diagnostic{File: rel, Severity: Error, Message: fmt.Sprintf("cannot read folder: %v", unwrapPathError(err))})
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !isContentFile(name) {
			continue
		}
		base, _ := splitContentName(name, b.langCodes)
		switch base {
		case "index":
			d.leaf = true
		case "_index":
			d.branch = true
		}
	}
	if d.leaf {
		d.branch = false
		for _, e := range entries {
			if isContentFile(e.Name()) {
				if base, _ := splitContentName(e.Name(), b.langCodes); base == "index" {
					d.pages = append(d.pages, e.Name())
					d.pagePaths = append(d.pagePaths, path.Join(rel, e.Name()))
				}
			}
		}
		res, err := bundleResources(abs, entries, func(name string) bool {
			base, _ := splitContentName(name, b.langCodes)
			return isContentFile(name) && base == "index"
		})
		if err != nil {
			d.diags = append(d.diags, Diagnostic{File: rel, Severity: Warning, Message: fmt.Sprintf("bundle resources: %v", unwrapPathError(err))})
		}
		d.resources = res
		return
	}
	var toScan []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		child := path.Join(rel, name)
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			info, err := b.followSymlink(child)
			if err != nil {
				d.diags = append(d.diags, Diagnostic{File: child, Severity: Error, Message: err.Error()})
				continue
			}
			if info.IsDir() {
				d.diags = append(d.diags, Diagnostic{File: child, Severity: Warning, Message: "symlinked folder is not followed"})
				continue
			}
			typ = info.Mode().Type()
		}
		switch {
		case typ.IsDir():
			d.subdirs = append(d.subdirs, name)
			mu.Lock()
			_, known := dirs[child]
			mu.Unlock()
			if !shallow || !known {
				toScan = append(toScan, child)
			}
		case typ.IsRegular() && isContentFile(name):
			d.pages = append(d.pages, name)
			d.pagePaths = append(d.pagePaths, child)
		}
	}
	if len(toScan) < 16 {
		for _, child := range toScan {
			b.scanInto(root, child, dirs, mu, false)
		}
		return
	}
	parallel(len(toScan), func(i int) { b.scanInto(root, toScan[i], dirs, mu, false) })
}

// followSymlink stats the target of a symlink in the site, refusing loops,
// broken links and targets outside the site.
func (b *builder) followSymlink(rel string) (fs.FileInfo, error) {
	abs := filepath.Join(b.siteDir, filepath.FromSlash(rel))
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || strings.Contains(err.Error(), "too many links") {
			return nil, errors.New("symlink loop")
		}
		return nil, fmt.Errorf("broken symlink: %v", unwrapPathError(err))
	}
	if !within(b.siteDir, target) {
		return nil, errors.New("symlink points outside the site")
	}
	return os.Stat(target)
}

// within reports whether path p is dir or below it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sortedKeys returns m's keys in order.
func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
