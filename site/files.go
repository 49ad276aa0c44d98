package site

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/content"
)

// Files of the site change rarely but without a new URL, so browsers and
// proxies may keep them for a day. Assets are named by their digest and
// never change.
const (
	fileCacheControl  = "public, max-age=86400"
	assetCacheControl = "public, max-age=31536000, immutable"
)

// serveResource serves a file of a leaf bundle. The file is opened through
// an os.Root on the bundle folder, so a symbolic link pointing outside the
// bundle is answered with 404.
func (h *Handler) serveResource(w http.ResponseWriter, r *http.Request, res *content.Resource) {
	if !fs.ValidPath(res.Name) {
		h.writeError(w, r, http.StatusNotFound, nil)
		return
	}
	if !h.serveFile(w, r, res.Dir, res.Name, res.MediaType()) {
		h.writeError(w, r, http.StatusNotFound, nil)
	}
}

// serveStatic serves urlPath from the first of dirs that holds it, and
// reports whether one did. A folder is served by its index.html.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request, dirs []string, urlPath string) bool {
	name := strings.TrimPrefix(urlPath, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) {
		return false
	}
	for _, dir := range dirs {
		if h.serveFile(w, r, dir, name, "") {
			return true
		}
	}
	return false
}

// serveFile serves the regular file name (slash-separated, relative) inside
// dir, and reports whether there was one to serve. mediaType may be empty,
// then the name's extension decides, then the content.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, dir, name, mediaType string) bool {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return false
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	if mediaType == "" {
		mediaType = mime.TypeByExtension(path.Ext(name))
	}
	hdr := w.Header()
	if mediaType != "" {
		hdr.Set("Content-Type", mediaType)
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", fileCacheControl)
	hdr.Set("ETag", fileETag(fi))
	http.ServeContent(w, r, name, fi.ModTime(), f)
	return true
}

// fileETag is a strong validator built from a file's size and modification
// time, as common web servers do.
func fileETag(fi os.FileInfo) string {
	return `"` + strconv.FormatInt(fi.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(fi.Size(), 36) + `"`
}

// assetPrefix is the path under which the embedded assets are served.
const assetPrefix = "/_bb/"

//go:embed static
var staticFS embed.FS

// asset is an embedded file, served under a name that holds its digest.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets are the embedded files by their served name ("style.1a2b3c4d5e.css"),
// and the served name of each file by its own name ("style.css").
type assets struct {
	byServed map[string]*asset
	served   map[string]string
}

// loadAssets reads the embedded static folder.
func loadAssets() (*assets, error) {
	as := &assets{byServed: map[string]*asset{}, served: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		digest := hex.EncodeToString(sum[:])[:12]
		base := path.Base(p)
		ext := path.Ext(base)
		served := strings.TrimSuffix(base, ext) + "." + digest + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = http.DetectContentType(body)
		}
		as.byServed[served] = &asset{body: body, contentType: ctype, etag: `"` + digest + `"`}
		as.served[base] = served
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("site: read embedded assets: %w", err)
	}
	return as, nil
}

// url returns the path an embedded file is served at.
func (as *assets) url(name string) string { return assetPrefix + as.served[name] }

// fingerprint is a digest of every asset's served name, so that a change of
// stylesheet changes every page's ETag.
func (as *assets) fingerprint() string {
	names := slices.Sorted(maps.Values(as.served))
	return strings.Join(names, ",")
}

// serveAsset serves an embedded asset by its digest-bearing name.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets.byServed[r.PathValue("name")]
	if !ok {
		h.writeError(w, r, http.StatusNotFound, nil)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", assetCacheControl)
	hdr.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
