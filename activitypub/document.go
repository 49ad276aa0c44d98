package activitypub

import (
	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// Media types of the documents.
const (
	contentTypeActivity = "application/activity+json; charset=utf-8"
	contentTypeJRD      = "application/jrd+json; charset=utf-8"
	contentTypeXRD      = "application/xrd+xml; charset=utf-8"
	contentTypeJSON     = "application/json; charset=utf-8"
)

// newDocument prepares body for serving with status: readable from any
// origin, cached for a minute (five for an error), privately in secure
// mode.
func (h *Handler) newDocument(status int, contentType string, body []byte) *httpcache.Document {
	cache := "public, max-age=60"
	if h.cfg.SecureMode {
		cache = "private, max-age=60"
	}
	if status >= 400 {
		cache = "public, max-age=300"
	}
	return httpcache.NewDocument(body, httpcache.Spec{
		Status:       status,
		ContentType:  contentType,
		CacheControl: cache,
		CORS:         true,
	})
}
