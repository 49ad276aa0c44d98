package content

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blogbridge/blogbridge/content/shortcode"
)

// MaxFileSize is the largest content file blogbridge reads. A larger file is
// reported and left out rather than read into memory.
const MaxFileSize = 8 << 20

// Options say which site to load and what to include.
type Options struct {
	SiteDir string
	// BaseURL, when set, replaces the site's baseURL (for local runs).
	BaseURL string
	// Drafts, Future and Expired include pages Hugo leaves out by default.
	Drafts, Future, Expired bool
	// Now is the clock that decides what is future or expired; time.Now
	// when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Load reads the site once and returns its snapshot. Problems with single
// pages are in the snapshot's Diagnostics; Load fails only when the site as a
// whole cannot be read (no such folder, a broken configuration).
func Load(ctx context.Context, opts Options) (*Snapshot, error) {
	b, err := newBuilder(opts)
	if err != nil {
		return nil, err
	}
	b.scanAll()
	return b.build(ctx)
}

// builder builds snapshots of one site, keeping what it parsed and rendered
// so a rebuild after a change redoes only the changed files.
type builder struct {
	opts      Options
	siteDir   string
	logger    *slog.Logger
	cfg       *SiteConfig
	cfgDiags  []Diagnostic
	langCodes map[string]bool
	roots     []contentRoot
	md        *markdown
	hl        *highlighter
	sc        *shortcode.Engine
	scDiags   []Diagnostic

	dirs    map[string]*dirState // by site-relative folder
	sources map[string]*source   // by site-relative file
	version uint64
	// linkGen changes whenever the set of permalinks changes, so pages that
	// resolve refs to other pages are rendered again.
	linkGen uint64
	linkSet map[string]string // ref key -> permalink, of the last build
	// buildGen numbers builds; a source not seen in the current one is gone.
	buildGen uint64
	// prev is the last snapshot built, with the generations it was built
	// at: a rebuild where only pages' contents changed patches it.
	prev             *Snapshot
	prevStructureGen uint64
	prevLinkGen      uint64
	// sortedDirs are the keys of dirs in order, as of structureGen sortedGen.
	sortedDirs []string
	sortedGen  uint64
	// structureGen changes whenever folders appear, vanish or become
	// sections or bundles, which may move pages; placements are redone then.
	structureGen uint64
	// scanGen numbers folder scans; a page is rendered again when its
	// folder was scanned again, as its bundle files may have changed.
	scanGen atomic.Uint64
	// dirty holds the folders whose files must be checked for changes on the
	// next build; allDirty says every folder must be.
	dirty    map[string]bool
	allDirty bool
}

// source is one content file and what was made of it.
type source struct {
	rel     string // site-relative path
	seenGen uint64 // the last build that found the file
	size    int64
	modTime time.Time
	lang    string
	base    string // file name without language and extension
	dir     *dirState
	fm      *frontMatter
	// bodyOffset is where the body starts in the file: bodies are read
	// again when rendered rather than held, since a large site's bodies
	// would otherwise all sit in memory between reading and rendering.
	bodyOffset int
	bodyLine   int
	diags      []Diagnostic // found reading the file
	failed     bool         // the file could not be read or parsed

	// The last placement, valid while placedGen is the builder's
	// structureGen.
	placed    *placedPage
	placedErr *Diagnostic
	placedGen uint64

	// The last rendering, valid while renderKey is unchanged.
	renderKey renderKey
	rendered  renderedContent
	usesRefs  bool
}

func newBuilder(opts Options) (*builder, error) {
	dir, err := filepath.Abs(opts.SiteDir)
	if err != nil {
		return nil, fmt.Errorf("content: site folder %q: %w", opts.SiteDir, err)
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return nil, fmt.Errorf("content: site folder: %w", err)
	}
	if info, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("content: site folder: %w", err)
	} else if !info.IsDir() {
		return nil, fmt.Errorf("content: site folder %s is not a folder", dir)
	}
	cfg, diags, err := LoadConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	if opts.BaseURL != "" {
		u, err := parseBaseURL(opts.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("content: base URL: %w", err)
		}
		cfg.BaseURL = u
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost:8080/"
		diags = append(diags, Diagnostic{File: firstOr(cfg.ConfigFiles, "."), Severity: Warning,
			Message: "no baseURL configured; using http://localhost:8080/ (set baseURL or --base-url)"})
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b := &builder{
		opts:      opts,
		siteDir:   dir,
		logger:    opts.Logger,
		cfg:       cfg,
		cfgDiags:  diags,
		langCodes: map[string]bool{},
		dirs:      map[string]*dirState{},
		sources:   map[string]*source{},
		dirty:     map[string]bool{},
	}
	for _, l := range cfg.Languages {
		b.langCodes[l.Code] = true
	}
	b.roots = append(b.roots, contentRoot{dir: cleanRel(cfg.ContentDir)})
	for _, l := range cfg.Languages {
		if l.ContentDir != "" {
			b.roots = append(b.roots, contentRoot{dir: cleanRel(l.ContentDir), lang: l.Code})
		}
	}
	b.hl = newHighlighter(cfg.Highlight)
	b.md = newMarkdown(cfg.Goldmark, b.hl)
	var layoutDirs []string
	layoutDirs = append(layoutDirs, filepath.Join(dir, "layouts"))
	for _, t := range cfg.Theme {
		layoutDirs = append(layoutDirs, filepath.Join(dir, "themes", t, "layouts"))
	}
	var scProblems []shortcode.LoadProblem
	b.sc, scProblems = shortcode.New(layoutDirs)
	for _, p := range scProblems {
		b.scDiags = append(b.scDiags, Diagnostic{File: b.relPath(p.File), Line: p.Line, Severity: Error, Message: p.Message})
	}
	return b, nil
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

func cleanRel(dir string) string {
	d := path.Clean(filepath.ToSlash(dir))
	if d == "" {
		return "."
	}
	return d
}

// relPath returns abs relative to the site root, slash-separated.
func (b *builder) relPath(abs string) string {
	if rel, err := filepath.Rel(b.siteDir, abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return abs
}

// scanAll scans every content root from scratch.
func (b *builder) scanAll() {
	b.dirs = map[string]*dirState{}
	for i, r := range b.roots {
		b.scanDir(i, r.dir, b.dirs, false)
	}
	b.structureGen++
	b.allDirty = true
}

// refresh reads the site-relative folder rel again after something in it
// changed: a leaf bundle whole, any other folder without reading its known
// subfolders again. Subfolders that vanished are forgotten; new ones are
// scanned.
func (b *builder) refresh(rel string) {
	rel = cleanRel(rel)
	root := -1
	for i, r := range b.roots {
		if rel == r.dir || r.dir == "." || strings.HasPrefix(rel, r.dir+"/") {
			root = i
		}
	}
	if root < 0 {
		return
	}
	// A change inside a leaf bundle is a change of the bundle.
	for d := rel; d != "." && d != "/" && d != ""; d = path.Dir(d) {
		if st, ok := b.dirs[d]; ok && st.leaf {
			rel = d
			break
		}
		if d == b.roots[root].dir {
			break
		}
	}
	old := b.dirs[rel]
	info, err := os.Stat(filepath.Join(b.siteDir, filepath.FromSlash(rel)))
	if err != nil || !info.IsDir() {
		b.forget(rel)
		if rel != b.roots[root].dir {
			b.refresh(path.Dir(rel))
		}
		return
	}
	b.scanDir(root, rel, b.dirs, true)
	d := b.dirs[rel]
	b.dirty[rel] = true
	for k := range b.dirs {
		if !strings.HasPrefix(k, rel+"/") {
			continue
		}
		child, _, _ := strings.Cut(strings.TrimPrefix(k, rel+"/"), "/")
		if d.leaf || !slices.Contains(d.subdirs, child) {
			delete(b.dirs, k)
		}
	}
	if old == nil || old.leaf != d.leaf || old.branch != d.branch || !slices.Equal(old.subdirs, d.subdirs) {
		b.structureGen++
		for k, st := range b.dirs {
			if strings.HasPrefix(k, rel+"/") && (old == nil || !slices.Contains(old.subdirs, strings.SplitN(strings.TrimPrefix(k, rel+"/"), "/", 2)[0])) {
				b.dirty[st.rel] = true
			}
		}
	}
}

// forget drops the folder rel and everything below it from the scan.
func (b *builder) forget(rel string) {
	for k := range b.dirs {
		if k == rel || strings.HasPrefix(k, rel+"/") {
			delete(b.dirs, k)
		}
	}
	b.structureGen++
}

// build makes a snapshot of the current scan, reading and rendering only the
// files that changed since the last build.
func (b *builder) build(ctx context.Context) (*Snapshot, error) {
	now := b.opts.Now()
	b.buildGen++
	var srcs []*source
	var toRead []fileRef
	var freshDirs []*dirState
	dirOrder := b.dirOrder()
	for _, rel := range dirOrder {
		d := b.dirs[rel]
		fresh := b.allDirty || b.dirty[d.rel]
		if fresh || len(d.sources) != len(d.pages) {
			freshDirs = append(freshDirs, d)
		}
		if !fresh && len(d.sources) == len(d.pages) {
			// Nothing changed here since the last build.
			for _, s := range d.sources {
				s.seenGen = b.buildGen
			}
			srcs = append(srcs, d.sources...)
			continue
		}
		for i, name := range d.pages {
			frel := d.pagePaths[i]
			if s, ok := b.sources[frel]; ok && !fresh {
				s.dir = d
				s.seenGen = b.buildGen
				srcs = append(srcs, s)
				continue
			}
			toRead = append(toRead, fileRef{d, frel, name, len(srcs)})
			srcs = append(srcs, nil)
		}
	}
	parallel(len(toRead), func(i int) {
		f := toRead[i]
		s, src := b.source(f.dir, f.rel, f.name)
		srcs[f.index] = s
		if src != nil {
			b.renderEarly(s, src[s.bodyOffset:], now)
			putFileBuffer(src)
		}
	})
	// What changed, for patching the last snapshot instead of rebuilding
	// its lists.
	ch := changes{}
	for _, f := range toRead {
		s := srcs[f.index]
		s.seenGen = b.buildGen
		if old, ok := b.sources[f.rel]; !ok {
			ch.added++
		} else if old != s {
			ch.replaced = append(ch.replaced, [2]*source{old, s})
		}
		b.sources[f.rel] = s
	}
	// Remember each folder's sources for the next build.
	for _, d := range freshDirs {
		d.sources = d.sources[:0:0]
	}
	i := 0
	for _, rel := range dirOrder {
		d := b.dirs[rel]
		n := len(d.pages)
		if len(d.sources) != n {
			d.sources = srcs[i : i+n : i+n]
		}
		i += n
	}
	if len(b.sources) != len(srcs) {
		for rel, s := range b.sources {
			if s.seenGen != b.buildGen {
				delete(b.sources, rel) // the file is gone
				ch.removed++
			}
		}
	}
	clear(b.dirty)
	b.allDirty = false
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	snap := &Snapshot{
		Config:    b.cfg,
		SiteDir:   b.siteDir,
		BuiltAt:   now,
		Languages: b.cfg.Languages,
		Sites:     map[string]*LangSite{},
	}
	snap.Diagnostics = append(snap.Diagnostics, b.cfgDiags...)
	snap.Diagnostics = append(snap.Diagnostics, b.scDiags...)
	for _, rel := range dirOrder {
		snap.Diagnostics = append(snap.Diagnostics, b.dirs[rel].diags...)
	}
	snap.StaticDirs = b.staticDirs()

	// Place every page: its kind, sections and permalink.
	var placed []*placedPage
	for _, s := range srcs {
		snap.Diagnostics = append(snap.Diagnostics, s.diags...)
		if s.failed {
			continue
		}
		if s.placed == nil || s.placedGen != b.structureGen {
			s.placed, s.placedErr = b.place(s)
			s.placedGen = b.structureGen
		}
		pp, diag := s.placed, s.placedErr
		if diag != nil {
			snap.Diagnostics = append(snap.Diagnostics, *diag)
			continue
		}
		placed = append(placed, pp)
	}

	// Decide what is published, and when the answer next changes.
	var published []*placedPage
	for _, pp := range placed {
		ok, next := b.published(pp.src.fm, now)
		if !next.IsZero() && (snap.NextChange.IsZero() || next.Before(snap.NextChange)) {
			snap.NextChange = next
		}
		if ok {
			published = append(published, pp)
		}
	}

	// Two files must not claim one URL: the first by file name keeps it.
	owner := make(map[string]*placedPage, len(published)) // by unescaped path
	kept := published[:0]
	for _, pp := range published {
		if !pp.rendered {
			kept = append(kept, pp)
			continue
		}
		key := pp.key
		if first, dup := owner[key]; dup {
			snap.Diagnostics = append(snap.Diagnostics, Diagnostic{File: pp.src.rel, Line: 1, Severity: Error,
				Message: fmt.Sprintf("permalink %s is already used by %s; this page is left out", pp.rel, first.src.rel)})
			continue
		}
		owner[key] = pp
		kept = append(kept, pp)
	}
	published = kept

	if slices.ContainsFunc(published, func(pp *placedPage) bool { return pp.src.usesRefs }) || b.linkSet == nil {
		b.updateLinkSet(published)
	}
	ch.rerendered = b.renderAll(ctx, published)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, pp := range published {
		snap.Diagnostics = append(snap.Diagnostics, pp.src.rendered.diags...)
	}
	if !b.canPatch(ch, now) || !b.patch(snap, ch) {
		b.assemble(snap, published)
	}
	b.prev, b.prevStructureGen, b.prevLinkGen = snap, b.structureGen, b.linkGen
	b.version++
	snap.Version = b.version
	return snap, nil
}

// dirOrder returns the scanned folders sorted, sorting again only after the
// folder structure changed.
func (b *builder) dirOrder() []string {
	if b.sortedDirs == nil || b.sortedGen != b.structureGen || len(b.sortedDirs) != len(b.dirs) {
		b.sortedDirs, b.sortedGen = sortedMapKeys(b.dirs), b.structureGen
	}
	return b.sortedDirs
}

// source returns the parsed file rel, reading it again only when its size or
// modification time changed; src is the file when it was read, else nil.
// src is a file buffer: what is kept of it must be copied before
// putFileBuffer. source reads b.sources but does not write it, so it may
// run in parallel.
func (b *builder) source(d *dirState, rel, name string) (s *source, src []byte) {
	abs := filepath.Join(b.siteDir, filepath.FromSlash(rel))
	f, statErr := openFile(abs)
	var info os.FileInfo
	if statErr == nil {
		defer f.Close()
		info, statErr = f.Stat()
	}
	if old, ok := b.sources[rel]; ok && statErr == nil && old.size == info.Size() && old.modTime.Equal(info.ModTime()) {
		old.dir = d
		return old, nil
	}
	s = &source{rel: rel, dir: d}
	s.base, s.lang = splitContentName(name, b.langCodes)
	if root := b.roots[d.root]; root.lang != "" {
		s.lang = root.lang
	}
	if s.lang == "" {
		s.lang = b.cfg.DefaultContentLanguage
	}
	if statErr != nil {
		s.failed = true
		s.diags = []Diagnostic{{File: rel, Severity: Error, Message: fmt.Sprintf("cannot read: %v", unwrapPathError(statErr))}}
		return s, nil
	}
	s.size, s.modTime = info.Size(), info.ModTime()
	if info.Size() > MaxFileSize {
		s.failed = true
		s.diags = []Diagnostic{{File: rel, Severity: Error,
			Message: fmt.Sprintf("file is %.1f MB, over the %d MB limit for a page; it is left out", float64(info.Size())/(1<<20), MaxFileSize>>20)}}
		return s, nil
	}
	src = getFileBuffer(int(info.Size()))
	_, err := io.ReadFull(f, src)
	if err != nil {
		putFileBuffer(src)
		s.failed = true
		s.diags = []Diagnostic{{File: rel, Severity: Error, Message: fmt.Sprintf("cannot read: %v", unwrapPathError(err))}}
		return s, nil
	}
	fm, body, bodyLine, diags, err := parseFrontMatter(b.cfg, rel, src)
	s.diags = diags
	if err != nil {
		putFileBuffer(src)
		s.failed = true
		s.diags = append(s.diags, diagnosticOf(rel, err))
		return s, nil
	}
	s.fm, s.bodyOffset, s.bodyLine = fm, len(src)-len(body), bodyLine
	return s, src
}

// fileBuffers hold content files between reading and rendering. Nothing
// made of a file keeps pointing into it: front matter values, diagnostics
// and the rendered page are copies, so the buffer is reused for the next
// file.
var fileBuffers sync.Pool // of *[]byte

// getFileBuffer returns a buffer of n bytes with room for dividerGrowth
// more, so the body's summary divider is marked in place.
func getFileBuffer(n int) []byte {
	if p, ok := fileBuffers.Get().(*[]byte); ok && cap(*p) >= n+dividerGrowth {
		return (*p)[:n]
	}
	return make([]byte, n, n+dividerGrowth)
}

func putFileBuffer(b []byte) {
	if cap(b) <= maxPooledScratch {
		fileBuffers.Put(&b)
	}
}

// renderEarly places and renders a page just read, while its body is in
// memory, so that loading a large site neither holds every body nor reads
// each file twice. A page whose shortcodes resolve refs needs every page
// placed first: it is rendered again by renderAll.
func (b *builder) renderEarly(s *source, body []byte, now time.Time) {
	pp, diag := b.place(s)
	s.placed, s.placedErr, s.placedGen = pp, diag, b.structureGen
	if diag != nil {
		return
	}
	if ok, _ := b.published(s.fm, now); !ok {
		return
	}
	wantsRefs := false
	noRefs := func() map[string]*placedPage {
		wantsRefs = true
		return nil
	}
	s.rendered, s.usesRefs = b.render(pp, noRefs, body)
	if wantsRefs {
		s.renderKey = renderKey{} // render again once every page is placed
	} else {
		s.renderKey = pp.renderKey(b.linkGen)
	}
}

// diagnosticOf turns a parse error into a Diagnostic, keeping its line.
func diagnosticOf(file string, err error) Diagnostic {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.diagnostic()
	}
	return Diagnostic{File: file, Severity: Error, Message: err.Error()}
}

// readBody reads the body of s from its file. If the file changed size since
// it was parsed, its front matter is parsed again to find the body; the
// watcher rebuilds the page with the new front matter right after.
func (b *builder) readBody(s *source) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(b.siteDir, filepath.FromSlash(s.rel)))
	if err != nil {
		return nil, err
	}
	if int64(len(src)) == s.size && s.bodyOffset <= len(src) {
		return src[s.bodyOffset:], nil
	}
	_, body, _, _, err := parseFrontMatter(b.cfg, s.rel, src)
	return body, err
}

// fileRef is a content file to read, and its place in the build's list.
type fileRef struct {
	dir   *dirState
	rel   string
	name  string
	index int
}

// parallel calls fn(0) to fn(n-1) on every core and returns when all are
// done.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// placedPage is a parsed source with its place in the site.
type placedPage struct {
	src      *source
	kind     Kind
	sections []string
	raw      string // permalink path below the base URL, unescaped
	rel      string // root-relative permalink, escaped, as Hugo's RelPermalink
	key      string // the permalink's route key, with the language
	// rendered is false for headless pages and those whose build options say
	// they are not rendered: they have no URL of their own. listed is false
	// for those left out of lists.
	rendered bool
	listed   bool
}

// place decides what kind of page s is, its sections and its permalink.
func (b *builder) place(s *source) (*placedPage, *Diagnostic) {
	dirRel := b.contentRel(s.dir)
	pp := &placedPage{src: s, kind: KindPage}
	loc := pageLocation{Lang: s.lang, Dir: dirRel, BaseName: s.base}
	switch {
	case s.base == "_index":
		loc.IsBranch = true
		pp.kind = KindSection
		if dirRel == "" {
			pp.kind = KindHome
		}
		pp.sections = b.sectionsOf(b.roots[s.dir.root].dir, dirRel)
	case s.dir.leaf:
		loc.BundleName = path.Base(dirRel)
		pp.sections = b.sectionsOf(b.roots[s.dir.root].dir, parentDir(dirRel))
	default:
		pp.sections = b.sectionsOf(b.roots[s.dir.root].dir, dirRel)
	}
	loc.Sections = pp.sections
	rel, err := b.cfg.pagePermalink(loc, s.fm)
	if err != nil {
		return nil, &Diagnostic{File: s.rel, Line: 1, Severity: Error, Message: fmt.Sprintf("permalink: %v", err)}
	}
	pp.raw, pp.rel = rel, b.cfg.relURL(rel)
	pp.key = s.lang + routeKey(pp.rel)
	pp.rendered = !s.fm.Headless && s.fm.Build.Render != "never"
	pp.listed = !s.fm.Headless && s.fm.Build.List != "never"
	return pp, nil
}

// contentRel returns the folder of d relative to its content root: "" for
// the root itself.
func (b *builder) contentRel(d *dirState) string {
	root := b.roots[d.root].dir
	if root == "." {
		if d.rel == "." {
			return ""
		}
		return d.rel
	}
	return strings.TrimPrefix(strings.TrimPrefix(d.rel, root), "/")
}

func parentDir(p string) string {
	if d := path.Dir(p); d != "." {
		return d
	}
	return ""
}

// sectionsOf returns Hugo's section path for the folder dirRel of a content
// root: the first folder is always a section, deeper ones when they hold an
// _index.md.
func (b *builder) sectionsOf(root, dirRel string) []string {
	if dirRel == "" {
		return nil
	}
	parts := strings.Split(dirRel, "/")
	sections := []string{parts[0]}
	for i := 2; i <= len(parts); i++ {
		if d, ok := b.dirs[path.Join(root, strings.Join(parts[:i], "/"))]; ok && d.branch {
			sections = append(sections, parts[i-1])
		} else {
			break
		}
	}
	return sections
}

// published reports whether a page with front matter fm is published at now,
// and the next time that answer changes (zero if never).
func (b *builder) published(fm *frontMatter, now time.Time) (bool, time.Time) {
	var next time.Time
	if fm.Draft && !b.opts.Drafts {
		return false, next
	}
	if !fm.PublishDate.IsZero() && fm.PublishDate.After(now) && !b.opts.Future {
		return false, fm.PublishDate
	}
	if !fm.ExpiryDate.IsZero() && !b.opts.Expired {
		if !fm.ExpiryDate.After(now) {
			return false, next
		}
		next = fm.ExpiryDate
	}
	return true, next
}

// updateLinkSet records the permalinks pages may refer to, and bumps
// linkGen when they changed.
func (b *builder) updateLinkSet(pages []*placedPage) {
	set := make(map[string]string, len(pages))
	for _, pp := range pages {
		set[pp.src.lang+":"+pp.src.rel] = pp.raw
	}
	if b.linkSet == nil || !mapsEqual(set, b.linkSet) {
		b.linkGen++
	}
	b.linkSet = set
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// renderAll renders, on every core, the pages whose inputs changed.
func (b *builder) renderAll(ctx context.Context, pages []*placedPage) (rerendered [][2]*Page) {
	var todo []*placedPage
	for _, pp := range pages {
		if pp.src.renderKey != pp.renderKey(b.linkGen) {
			todo = append(todo, pp)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	// The ref index is made only if a page resolves a ref.
	byRef := sync.OnceValue(func() map[string]*placedPage { return b.refIndex(pages) })
	pairs := make([][2]*Page, len(todo))
	parallel(len(todo), func(i int) {
		if ctx.Err() != nil {
			return
		}
		pp := todo[i]
		old := pp.src.rendered.page
		pp.src.rendered, pp.src.usesRefs = b.render(pp, byRef, nil)
		pp.src.renderKey = pp.renderKey(b.linkGen)
		pairs[i] = [2]*Page{old, pp.src.rendered.page}
	})
	for _, pr := range pairs {
		if pr[0] != nil && pr[1] != nil {
			rerendered = append(rerendered, pr)
		}
	}
	return rerendered
}

// renderKey names every input of a page's rendering besides its own file,
// which invalidates the source itself when it changes.
type renderKey struct {
	rel     string
	kind    Kind
	dirGen  uint64 // the scan of a bundle's folder: its files
	linkGen uint64 // the permalinks of other pages, for pages that use refs
}

func (pp *placedPage) renderKey(linkGen uint64) renderKey {
	k := renderKey{rel: pp.rel, kind: pp.kind}
	if pp.src.dir.leaf {
		k.dirGen = pp.src.dir.gen // a bundle's pages show its files
	}
	if pp.src.usesRefs {
		k.linkGen = linkGen
	}
	return k
}

// refIndex maps the ways a page can be named in ref and relref (its path in
// the content folder, with or without extension, its bundle folder, its
// file name) to the page.
func (b *builder) refIndex(pages []*placedPage) map[string]*placedPage {
	idx := make(map[string]*placedPage, len(pages)*3)
	for _, pp := range pages {
		root := b.roots[pp.src.dir.root].dir
		p := strings.TrimPrefix(strings.TrimPrefix(pp.src.rel, root), "/")
		if root == "." {
			p = pp.src.rel
		}
		lang := pp.src.lang + ":"
		for _, k := range []string{"/" + p, p, "/" + strings.TrimSuffix(p, path.Ext(p)), strings.TrimSuffix(p, path.Ext(p))} {
			idx[lang+k] = pp
		}
		if pp.src.dir.leaf || pp.kind == KindSection {
			d := path.Dir(p)
			idx[lang+"/"+d] = pp
			idx[lang+d] = pp
		}
		if _, ok := idx[lang+path.Base(p)]; !ok {
			idx[lang+path.Base(p)] = pp
		}
	}
	return idx
}

// staticDirs returns the site's and themes' static folders that exist.
func (b *builder) staticDirs() []string {
	candidates := []string{filepath.Join(b.siteDir, "static")}
	for _, t := range b.cfg.Theme {
		candidates = append(candidates, filepath.Join(b.siteDir, "themes", t, "static"))
	}
	var dirs []string
	for _, d := range candidates {
		if info, err := os.Stat(d); err == nil && info.IsDir() {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// sortPages orders pages as Hugo's default list order does: by weight
// (unweighted last), then newest first, then title, then file.
func sortPages(pages []*Page) {
	slices.SortStableFunc(pages, func(a, b *Page) int {
		if a.Weight != b.Weight {
			switch {
			case a.Weight == 0:
				return 1
			case b.Weight == 0:
				return -1
			}
			return cmp.Compare(a.Weight, b.Weight)
		}
		if c := b.Date.Compare(a.Date); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Title, b.Title); c != 0 {
			return c
		}
		return cmp.Compare(a.File, b.File)
	})
}

var _ = bytes.Equal
var _ = utf8.Valid

// parseBaseURL checks an absolute http(s) URL and returns it ending in "/".
func parseBaseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q: want an absolute http or https URL such as https://blog.example/", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	return u.String(), nil
}
