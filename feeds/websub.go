package feeds

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/content"
)

// defaultPublishTimeout bounds one notification of the hub.
const defaultPublishTimeout = 10 * time.Second

// Run tells the WebSub hub about changed feeds until ctx is done. It first
// announces every feed of the current snapshot, since what changed while
// blogbridge was not running is unknown, then, for each snapshot received
// from updates, every feed whose document differs from the one last
// announced. A failed notification is logged and tried again with the next
// snapshot. Run returns nil at once when no hub is configured, and nil when
// ctx is done or updates is closed.
//
// Run builds every feed of each snapshot, as requests would, so serving
// never waits for it; each notification is bounded by a timeout.
func (f *Feeds) Run(ctx context.Context, updates <-chan *content.Snapshot) error {
	if f.hub == "" {
		return nil
	}
	announced := map[string]string{} // feed URL -> ETag last announced
	snap := f.snapshot()
	for {
		if snap != nil {
			announced = f.announce(ctx, snap, announced)
		}
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-updates:
			if !ok {
				return nil
			}
			snap = s
		}
	}
}

// announce notifies the hub of every feed of snap whose ETag is not the one
// in announced, and returns what has been announced of snap's feeds.
func (f *Feeds) announce(ctx context.Context, snap *content.Snapshot, announced map[string]string) map[string]string {
	idx := f.indexFor(snap)
	next := make(map[string]string, len(idx.paths))
	for _, p := range idx.paths {
		fd := idx.feeds[p]
		prev, seen := announced[fd.url]
		if seen {
			next[fd.url] = prev
		}
		doc, err := f.document(idx, fd)
		if err != nil {
			f.logger.LogAttrs(ctx, slog.LevelError, "feeds: cannot build feed to announce",
				slog.String("feed", fd.url), slog.Any("error", err))
			continue
		}
		if seen && prev == doc.ETag() {
			continue
		}
		if ctx.Err() != nil {
			return next
		}
		if err := f.publish(ctx, fd.url); err != nil {
			f.logger.LogAttrs(ctx, slog.LevelWarn, "feeds: hub notification failed; retrying with the next change",
				slog.String("hub", f.hub), slog.String("feed", fd.url), slog.Any("error", err))
			continue
		}
		f.logger.LogAttrs(ctx, slog.LevelDebug, "feeds: hub notified",
			slog.String("hub", f.hub), slog.String("feed", fd.url))
		next[fd.url] = doc.ETag()
	}
	return next
}

// publish tells the hub that the feed at topic changed, as WebSub hubs
// take it: a form POST of hub.mode=publish and hub.url.
func (f *Feeds) publish(ctx context.Context, topic string) error {
	ctx, cancel := context.WithTimeout(ctx, f.publishTimeout)
	defer cancel()
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("feeds: notify hub: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", generator)
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("feeds: notify hub: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("feeds: notify hub: answered %s", resp.Status)
	}
	return nil
}
