package activitypub

import (
	"github.com/blogbridge/blogbridge/content"
)

// HeadLink is an element for the <head> of a page. With Rel set it is a
// <link rel type href>, otherwise a <meta name content>.
type HeadLink struct {
	Rel  string
	Type string
	Href string

	Name    string
	Content string
}

// commonHeadLinks are the elements every page gets: rel="me" links to the
// profile links, so Mastodon can verify them, and fediverse:creator, which
// makes Mastodon credit the blog's account in link previews.
func (h *Handler) commonHeadLinks(pr profile) []HeadLink {
	links := make([]HeadLink, 0, len(h.cfg.ProfileLinks)+1)
	for _, l := range h.cfg.ProfileLinks {
		links = append(links, HeadLink{Rel: "me", Href: l.URL})
	}
	links = append(links, HeadLink{Name: "fediverse:creator", Content: "@" + h.cfg.Username + "@" + pr.host})
	return links
}

// HeadLinks returns the elements the <head> of page p gets: a
// rel="alternate" link to its ActivityStreams object when p is a
// federated post (to the actor on a home page), and the elements every
// page gets. It reads what the last request through Wrap prepared, so it
// does no I/O; it returns nil before the first.
func (h *Handler) HeadLinks(p *content.Page) []HeadLink {
	idx := h.idx.Load()
	if idx == nil {
		return nil
	}
	out := make([]HeadLink, 0, len(idx.headLinks)+1)
	if e := idx.byPage[p]; e != nil {
		out = append(out, HeadLink{Rel: "alternate", Type: mediaActivity, Href: e.post.id.String()})
	} else if e := idx.byPath[urlPath(p.Permalink)]; e != nil && e.post.page.Lang == p.Lang {
		out = append(out, HeadLink{Rel: "alternate", Type: mediaActivity, Href: e.post.id.String()})
	} else if p.Kind == content.KindHome {
		out = append(out, HeadLink{Rel: "alternate", Type: mediaActivity, Href: idx.urls.actor})
	}
	return append(out, idx.headLinks...)
}
