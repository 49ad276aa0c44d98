package site

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/blogbridge/blogbridge/content"
)

// chromiumPath is where Debian installs chromium.
const chromiumPath = "/usr/bin/chromium"

// imageState is what the browser knows of one <img>.
type imageState struct {
	Src          string `json:"src"`
	NaturalWidth int    `json:"naturalWidth"`
	Complete     bool   `json:"complete"`
}

// loadImagesJS scrolls every image of the article into view, so that lazy
// images load too, waits for each to load or fail, and reports them.
const loadImagesJS = `(async () => {
	const imgs = [...document.querySelectorAll("article img")];
	for (const img of imgs) {
		img.scrollIntoView({block: "center"});
		if (!img.complete) {
			await new Promise(done => {
				img.addEventListener("load", done, {once: true});
				img.addEventListener("error", done, {once: true});
				setTimeout(done, 10000);
			});
		}
	}
	window.scrollTo(0, 0);
	return imgs.map(i => ({src: i.currentSrc || i.src, naturalWidth: i.naturalWidth, complete: i.complete}));
})()`

// TestBrowserConferencePost loads the example's conference write-up in
// headless Chromium and checks that it shows its title, that every image
// of the article really loaded, and that the page logged no error.
func TestBrowserConferencePost(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: the browser test must run in CI (apt-get install chromium)", chromiumPath)
		}
		t.Skipf("%s is missing: install Debian's chromium package to run the browser test", chromiumPath)
	}

	var snap atomic.Pointer[content.Snapshot]
	srv := httptest.NewServer(NewHandler(Options{
		Snapshot: snap.Load,
		Logger:   slog.New(slog.NewTextHandler(t.Output(), nil)),
	}))
	defer srv.Close()
	// Load with the server's address as base URL: the content's image URLs
	// are absolute.
	snap.Store(loadSnapshot(t, exampleDir, srv.URL+"/"))
	post := conferencePost(t, snap.Load())

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()

	var mu sync.Mutex
	var problems []string
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				report("console.error: %s", strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			report("exception: %s", msg)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				report("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
	}))
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{name: "desktop", width: 1280, height: 900},
		{name: "mobile", width: 390, height: 844, mobile: true},
	} {
		emulate := chromedp.EmulateViewport(vp.width, vp.height)
		if vp.mobile {
			emulate = chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
		}
		if err := chromedp.Do(ctx, emulate, chromedp.Navigate(srv.URL+post.RelPermalink)); err != nil {
			t.Fatalf("%s: load %s: %v", vp.name, post.RelPermalink, err)
		}
		title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("article h1"), chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("%s: read the title: %v", vp.name, err)
		}
		if title != post.Title {
			t.Errorf("%s: title shows %q, want %q", vp.name, title, post.Title)
		}
		imgs, err := chromedp.Run(ctx, chromedp.Evaluate[[]imageState](loadImagesJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: check images: %v", vp.name, err)
		}
		if len(imgs) < 2 {
			t.Errorf("%s: %d images in the article, want the bundle's images", vp.name, len(imgs))
		}
		for _, img := range imgs {
			if !img.Complete || img.NaturalWidth == 0 {
				t.Errorf("%s: image %s did not load (complete %v, naturalWidth %d)", vp.name, img.Src, img.Complete, img.NaturalWidth)
			}
		}
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil {
			t.Fatalf("%s: measure the page: %v", vp.name, err)
		}
		if overflow {
			t.Errorf("%s: the page is wider than the viewport", vp.name)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", vp.name, err)
		}
		f, err := os.CreateTemp("", "blogbridge-post-"+vp.name+"-*.png")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(shot); err != nil {
			t.Fatal(err)
		}
		f.Close()
		t.Logf("%s screenshot: %s", vp.name, f.Name())
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser reported: %s", p)
	}
}

// conferencePost returns the example's conference write-up: the leaf
// bundle of the default language with the most images.
func conferencePost(t *testing.T, snap *content.Snapshot) *content.Page {
	t.Helper()
	var post *content.Page
	for _, p := range snap.DefaultSite().Pages {
		if p.Dir != "" && (post == nil || len(p.Images()) > len(post.Images())) {
			post = p
		}
	}
	if post == nil || len(post.Images()) == 0 {
		t.Fatal("the example site has no page bundle with images")
	}
	return post
}
