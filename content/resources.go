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

// imageDimensions reads the width and height from an image file's header;
// zeros when the file cannot be read or its format is unknown.
func imageDimensions(path string) (width, height int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}

// bundleResources returns the files of the leaf bundle in dir, whose
// entries were already read, and of every folder below it, but the bundle's
// own pages, sorted by name. Hidden files, symlinks and devices are left out.
func bundleResources(dir string, entries []fs.DirEntry, isPage func(name string) bool) ([]Resource, error) {
	var res []Resource
	var firstErr error
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "."):
		case e.IsDir():
			err := filepath.WalkDir(filepath.Join(dir, name), func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if strings.HasPrefix(d.Name(), ".") {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if !d.Type().IsRegular() {
					return nil
				}
				rel, err := filepath.Rel(dir, p)
				if err != nil {
					return err
				}
				rel = filepath.ToSlash(rel)
				res = append(res, Resource{Name: rel, Dir: dir})
				return nil
			})
			if err != nil && firstErr == nil {
				firstErr = err
			}
		case e.Type().IsRegular() && !isPage(name):
			res = append(res, Resource{Name: name, Dir: dir})
		}
	}
	slices.SortFunc(res, func(a, b Resource) int { return strings.Compare(a.Name, b.Name) })
	return res, firstErr
}
