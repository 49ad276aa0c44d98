package content

import (
	"html/template"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Kind is the kind of a page, named as Hugo names them.
type Kind string

// The page kinds a snapshot holds.
const (
	KindPage     Kind = "page"     // a regular post or page
	KindHome     Kind = "home"     // the home page of a language
	KindSection  Kind = "section"  // a section list, e.g. /posts/
	KindTaxonomy Kind = "taxonomy" // the list of a taxonomy's terms, e.g. /tags/
	KindTerm     Kind = "term"     // the pages of one term, e.g. /tags/kafka/
)

// Page is one rendered page of the site. A Page in a Snapshot is never
// modified: a change on disk produces a new Page in a new Snapshot.
type Page struct {
	Kind Kind
	Lang string // language code, e.g. "en"

	// File is the source file relative to the site root, slash-separated
	// ("content/posts/kafka/index.md"); empty for generated list pages.
	File string
	// Dir is the absolute folder of a bundle's resources; empty for pages
	// that are not leaf bundles.
	Dir string
	// Section is the top-level section ("posts"); Sections the whole path of
	// nested sections, outermost first.
	Section  string
	Sections []string

	Title       string
	Description string
	Slug        string
	// Date is the date the page is listed under: date, else publishDate,
	// else lastmod, as Hugo resolves it.
	Date        time.Time
	PublishDate time.Time
	Lastmod     time.Time
	ExpiryDate  time.Time
	Draft       bool
	Weight      int

	// Taxonomies maps a taxonomy's plural name ("tags") to the page's terms,
	// as written in front matter.
	Taxonomies map[string][]string
	Aliases    []string // other paths that redirect here, root-relative
	Authors    []string
	Params     map[string]any // every front matter key, lowercased

	// Fediverse settings from the page's blogbridge front matter.
	Federate       bool   // false when the page opted out of federation
	Sensitive      bool   // shown behind a content warning
	ContentWarning string // the warning text; empty means none given
	ObjectType     string // "Article" or "Note"; empty for the site default
	Pinned         bool   // listed in the actor's featured collection

	// TranslationKey links the translations of one page across languages.
	TranslationKey string

	RelPermalink string // "/posts/kafka-summit/"
	Permalink    string // absolute

	// Summary is the lead of the post as HTML; SummaryText the same as
	// plain text. Truncated reports whether Content holds more than Summary.
	Summary     template.HTML
	SummaryText string
	Truncated   bool
	WordCount   int
	ReadingTime int // minutes, as Hugo computes it

	// Resources are the files of a leaf bundle, sorted by name relative to
	// Dir.
	Resources []Resource

	// Pages are the regular pages listed on a home, section or term page,
	// newest first. Terms are a taxonomy page's terms, by name.
	Pages []*Page
	Terms []*Page

	// Hash is a digest of everything a reader of the page sees; it changes
	// exactly when the rendered page changes.
	Hash string

	content  packedHTML
	tkey     string   // translationKey(p), when computed while building
	route    string   // routeKey(RelPermalink), when computed while building
	sections []string // "posts", "posts/2024": the section paths the page is in
	// termLinks are the permalinks of the page's terms, by taxonomy, in the
	// order of Taxonomies[plural].
	termLinks map[string][]string
	// images are the page's images in a compact form; Images expands them.
	// Image dimensions are read from the files' headers on first use, so
	// loading a large site does not open every image.
	images []imageRef
	dims   *imageDims
}

// Content returns the full rendered HTML, with every link and image
// absolute. Each call builds the string anew from a compact form: call it
// once per use.
func (p *Page) Content() template.HTML { return template.HTML(p.content.String()) }

// IsRegular reports whether p is a post or page rather than a list.
func (p *Page) IsRegular() bool { return p.Kind == KindPage }

// Tags returns the page's terms in the "tags" taxonomy.
func (p *Page) Tags() []string { return p.Taxonomies["tags"] }

// Categories returns the page's terms in the "categories" taxonomy.
func (p *Page) Categories() []string { return p.Taxonomies["categories"] }

// imageRef is how a page keeps an image: a bundle image by resource index,
// any other by absolute URL.
type imageRef struct {
	url             string // absolute; empty for a bundle resource
	alt, title      string
	res             int32 // index into Resources, or -1
	width, height   int32 // as the HTML gave them; 0 when not given
	inContent       bool
	fromFrontMatter bool
}

// Images lists the images of the page in order of first use: those in the
// content, then bundle images the content does not show, then front matter
// images. Bundle images carry their media type and dimensions.
func (p *Page) Images() []Image {
	dims := p.dims.get(p)
	out := make([]Image, len(p.images))
	for i, ref := range p.images {
		img := Image{
			URL:             ref.url,
			Alt:             ref.alt,
			Title:           ref.title,
			Width:           int(ref.width),
			Height:          int(ref.height),
			InContent:       ref.inContent,
			FromFrontMatter: ref.fromFrontMatter,
		}
		if ref.res >= 0 {
			r := p.Resources[ref.res]
			img.URL, img.Resource, img.MediaType = p.Permalink+r.Name, r.Name, r.MediaType()
			if img.Width == 0 || img.Height == 0 {
				img.Width, img.Height = int(dims[i][0]), int(dims[i][1])
			}
		} else if t := MediaType(urlPath(ref.url)); isImage(t) {
			img.MediaType = t
		}
		out[i] = img
	}
	return out
}

// imageDims holds the dimensions of a page's images, read once on first
// use. Pages share it by pointer, so a Page value can be copied.
type imageDims struct {
	once sync.Once
	wh   [][2]int32
}

func (d *imageDims) get(p *Page) [][2]int32 {
	if d == nil {
		return make([][2]int32, len(p.images))
	}
	d.once.Do(func() {
		d.wh = make([][2]int32, len(p.images))
		for i, ref := range p.images {
			if ref.res >= 0 && (ref.width == 0 || ref.height == 0) {
				w, h := imageDimensions(p.Resources[ref.res].Path())
				d.wh[i] = [2]int32{int32(w), int32(h)}
			}
		}
	})
	return d.wh
}

// urlPath returns the path of an absolute URL, without query or fragment.
func urlPath(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// LeadImage returns the image that best represents the page, if any: the
// first front matter image, else the first image of the content.
func (p *Page) LeadImage() (Image, bool) {
	images := p.Images()
	for _, img := range images {
		if img.FromFrontMatter {
			return img, true
		}
	}
	if len(images) > 0 {
		return images[0], true
	}
	return Image{}, false
}

// Image is an image shown by, or belonging to, a page.
type Image struct {
	URL       string // absolute
	Alt       string
	Title     string
	MediaType string // "image/jpeg"; empty when unknown
	Width     int    // pixels; 0 when unknown
	Height    int
	// Resource is the bundle file name when the image is one of the page's
	// resources, else empty.
	Resource string
	// InContent reports whether the content shows the image.
	InContent bool
	// FromFrontMatter reports whether the image was named in front matter.
	FromFrontMatter bool
}

// Resource is a file of a leaf bundle.
type Resource struct {
	Name string // relative to the bundle, slash-separated: "img/a.jpg"
	Dir  string // the bundle's absolute folder
}

// MediaType returns the file's media type, from its extension.
func (r Resource) MediaType() string { return MediaType(r.Name) }

// Path returns the file's absolute path on disk.
func (r Resource) Path() string { return filepath.Join(r.Dir, filepath.FromSlash(r.Name)) }

// Resource returns the bundle file named name, or nil.
func (p *Page) Resource(name string) *Resource {
	if i := p.resourceIndex(name); i >= 0 {
		return &p.Resources[i]
	}
	return nil
}

func (p *Page) resourceIndex(name string) int {
	i, ok := slices.BinarySearchFunc(p.Resources, name, func(r Resource, name string) int {
		return strings.Compare(r.Name, name)
	})
	if !ok {
		return -1
	}
	return i
}

// sectionKeys returns the paths of the sections p is in, outermost first:
// "posts", "posts/2024".
func (p *Page) sectionKeys() []string {
	if p.sections != nil || len(p.Sections) == 0 {
		return p.sections
	}
	keys := make([]string, len(p.Sections))
	for i := range p.Sections {
		keys[i] = strings.Join(p.Sections[:i+1], "/")
	}
	return keys
}
