package content

import (
	"image"
	_ "image/gif"  // register GIF for image.DecodeConfig
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	_ "golang.org/x/image/webp" // register WebP
)

// mediaTypes covers the resource types Go's mime package may not know on a
// machine without /etc/mime.types.
var mediaTypes = map[string]string{
	".avif": "image/avif",
	".gif":  "image/gif",
	".jpeg": "image/jpeg",
	".jpg":  "image/jpeg",
	".png":  "image/png",
	".svg":  "image/svg+xml",
	".webp": "image/webp",
	".ico":  "image/x-icon",
	".mp4":  "video/mp4",
	".webm": "video/webm",
	".mp3":  "audio/mpeg",
	".ogg":  "audio/ogg",
	".pdf":  "application/pdf",
	".txt":  "text/plain; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".xml":  "application/xml",
	".html": "text/html; charset=utf-8",
	".zip":  "application/zip",
}

// MediaType returns the media type for a file name, or
// "application/octet-stream" when the extension is unknown.
func MediaType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := mediaTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func isImage(mediaType string) bool { return strings.HasPrefix(mediaType, "image/") }

// imageSize is what an image file's header says about it.
type imageSize struct {
	width, height int
}

// imageSizes caches image dimensions by file, so a rebuild reads only the
// headers of images that changed. It is shared by successive snapshots.
type imageSizes struct {
	mu sync.Mutex
	m  map[string]imageSizeEntry
}

type imageSizeEntry struct {
	size    int64
	modTime time.Time
	imageSize
}

func newImageSizes() *imageSizes { return &imageSizes{m: map[string]imageSizeEntry{}} }

// get returns the dimensions of the image r, reading its header once per
// version of the file. Unknown formats and unreadable files give zero sizes.
func (c *imageSizes) get(r Resource) imageSize {
	c.mu.Lock()
	e, ok := c.m[r.Path]
	c.mu.Unlock()
	if ok && e.size == r.Size && e.modTime.Equal(r.ModTime) {
		return e.imageSize
	}
	var s imageSize
	if f, err := os.Open(r.Path); err == nil {
		if cfg, _, err := image.DecodeConfig(f); err == nil {
			s = imageSize{cfg.Width, cfg.Height}
		}
		f.Close()
	}
	c.mu.Lock()
	c.m[r.Path] = imageSizeEntry{r.Size, r.ModTime, s}
	c.mu.Unlock()
	return s
}

// listResources returns the files of the leaf bundle in dir, every file
// below it but the bundle's own content files, sorted by name.
func listResources(dir string, isContent func(name string) bool) ([]Resource, error) {
	var res []Resource
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if isContent(name) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil // symlinks and devices are never served
		}
		res = append(res, Resource{
			Name:      name,
			Path:      p,
			MediaType: MediaType(name),
			Size:      info.Size(),
			ModTime:   info.ModTime(),
		})
		return nil
	})
	slices.SortFunc(res, func(a, b Resource) int { return strings.Compare(a.Name, b.Name) })
	return res, err
}
