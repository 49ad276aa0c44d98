package httpcache

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkServeFast measures writing a document into a fasthttp response,
// as the public server does for every feed, actor and object request.
func BenchmarkServeFast(b *testing.B) {
	doc := NewDocument(bytes.Repeat([]byte(`{"type": "Article"} `), 800), Spec{
		ContentType: "application/activity+json; charset=utf-8", CacheControl: "public, max-age=60", CORS: true})
	for _, enc := range []string{"", "gzip"} {
		b.Run("encoding="+enc, func(b *testing.B) {
			var ctx fasthttp.RequestCtx
			ctx.Request.SetRequestURI("/ap/actor")
			if enc != "" {
				ctx.Request.Header.Set("Accept-Encoding", enc)
			}
			b.ReportAllocs()
			for b.Loop() {
				ctx.Response.Reset()
				doc.ServeFast(&ctx)
			}
			if ctx.Response.StatusCode() != http.StatusOK {
				b.Fatalf("status %d", ctx.Response.StatusCode())
			}
		})
	}
}
