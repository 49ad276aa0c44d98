package content

import (
	"maps"
	"slices"
	"time"
)

// changes says which sources a build read anew and which pages it
// rendered again.
type changes struct {
	added, removed int
	replaced       [][2]*source // old and new source of a changed file
	// rerendered are the old and new page of a source rendered again for a
	// change outside its file (its bundle's files, the pages it refers to).
	rerendered [][2]*Page
}

// canPatch reports whether the new snapshot can be the last one with the
// changed pages swapped in: the same pages at the same URLs, in the same
// lists, in the same order, only their contents changed. That is the usual
// edit of a post, and patching costs a fraction of rebuilding every list.
func (b *builder) canPatch(ch changes, now time.Time) bool {
	prev := b.prev
	if prev == nil || ch.added > 0 || ch.removed > 0 || len(ch.replaced)+len(ch.rerendered) == 0 ||
		b.prevStructureGen != b.structureGen || b.prevLinkGen != b.linkGen {
		return false
	}
	if !prev.NextChange.IsZero() && !now.Before(prev.NextChange) {
		return false // a page came due or expired
	}
	for _, r := range ch.replaced {
		old, cur := r[0], r[1]
		if old.failed || cur.failed || old.placed == nil || cur.placed == nil || old.placedErr != nil || cur.placedErr != nil {
			return false
		}
		op, np := old.placed, cur.placed
		if op.kind != KindPage || np.kind != KindPage || op.key != np.key || op.rendered != np.rendered || op.listed != np.listed {
			return false
		}
		oldPub, oldNext := b.published(old.fm, now)
		newPub, newNext := b.published(cur.fm, now)
		if oldPub != newPub || !oldNext.Equal(newNext) {
			return false
		}
		if !oldPub {
			continue
		}
		a, c := old.rendered.page, cur.rendered.page
		if a == nil || c == nil || !sameListing(a, c) {
			return false
		}
		if a.Title != c.Title && !orderKeptWithoutTitle(prev.Site(a.Lang), a) {
			return false
		}
	}
	for _, pr := range ch.rerendered {
		if !sameListing(pr[0], pr[1]) || pr[0].Title != pr[1].Title || pr[0].route != pr[1].route {
			return false
		}
	}
	return true
}

// orderKeptWithoutTitle reports whether p's place in the lists of ls does
// not depend on its title: lists sort by weight, then date, then title, so
// the title only matters next to a page of the same weight and date. Every
// list of ls is a subsequence of ls.Pages, so checking p's neighbours there
// is enough.
func orderKeptWithoutTitle(ls *LangSite, p *Page) bool {
	if ls == nil {
		return false
	}
	i := slices.Index(ls.Pages, p)
	if i < 0 {
		return false
	}
	tie := func(q *Page) bool { return q.Weight == p.Weight && q.Date.Equal(p.Date) }
	return (i == 0 || !tie(ls.Pages[i-1])) && (i == len(ls.Pages)-1 || !tie(ls.Pages[i+1]))
}

// sameListing reports whether two versions of a page are in the same lists:
// same date and weight (sort keys; the title is checked by the caller),
// same sections, terms, aliases and translation key.
func sameListing(a, c *Page) bool {
	return a.Date.Equal(c.Date) && a.Weight == c.Weight && a.Lang == c.Lang &&
		a.File == c.File && a.TranslationKey == c.TranslationKey &&
		slices.Equal(a.Sections, c.Sections) && slices.Equal(a.Aliases, c.Aliases) &&
		maps.EqualFunc(a.Taxonomies, c.Taxonomies, slices.Equal)
}

// patch makes snap the previous snapshot with the changed pages swapped in.
// List pages that list a changed page are copied; everything else is shared
// with the previous snapshot, which stays as it was. It reports false, and
// leaves snap to be assembled anew, when a changed page is not where the
// previous snapshot should have it.
func (b *builder) patch(snap *Snapshot, ch changes) bool {
	prev := b.prev
	swap := make(map[*Page]*Page, len(ch.replaced)+len(ch.rerendered))
	for _, r := range ch.replaced {
		if a, c := r[0].rendered.page, r[1].rendered.page; a != nil && c != nil {
			swap[a] = c
		}
	}
	for _, pr := range ch.rerendered {
		swap[pr[0]] = pr[1]
	}
	for old, cur := range swap {
		if r, ok := prev.routes[cur.route]; !ok || r.Page != old {
			return false
		}
	}
	snap.routes = maps.Clone(prev.routes)
	snap.translations = maps.Clone(prev.translations)
	for old, cur := range swap {
		snap.routes[cur.route] = Route{Page: cur}
		key := translationKey(cur)
		if list := snap.translations[key]; slices.Contains(list, old) {
			snap.translations[key] = swapIn(list, swap)
		}
	}
	lists := map[*Page]*Page{} // list pages copied, old to new
	swapList := func(p *Page) *Page {
		if p == nil || !slices.ContainsFunc(p.Pages, func(q *Page) bool { return swap[q] != nil }) {
			return p
		}
		if c, ok := lists[p]; ok {
			return c
		}
		c := *p
		c.Pages = swapIn(p.Pages, swap)
		lists[p] = &c
		return &c
	}
	for code, ls := range prev.Sites {
		nls := &LangSite{
			Language:   ls.Language,
			Home:       swapList(ls.Home),
			Pages:      swapIn(ls.Pages, swap),
			Sections:   make(map[string]*Page, len(ls.Sections)),
			Taxonomies: make(map[string]*Page, len(ls.Taxonomies)),
		}
		for k, sp := range ls.Sections {
			nls.Sections[k] = swapList(sp)
		}
		for k, tp := range ls.Taxonomies {
			terms := make([]*Page, len(tp.Terms))
			changed := false
			for i, t := range tp.Terms {
				terms[i] = swapList(t)
				changed = changed || terms[i] != t
			}
			if changed {
				c := *tp
				c.Terms = terms
				lists[tp] = &c
				tp = &c
			}
			nls.Taxonomies[k] = tp
		}
		snap.Sites[code] = nls
	}
	for old, cur := range lists {
		key := cur.route
		if key == "" {
			key = routeKey(cur.RelPermalink)
		}
		if r, ok := snap.routes[key]; ok && r.Page == old {
			snap.routes[key] = Route{Page: cur}
		}
	}
	return true
}

// swapIn returns list with the pages in swap replaced, as a new slice when
// any is, else list itself.
func swapIn(list []*Page, swap map[*Page]*Page) []*Page {
	var out []*Page
	for i, p := range list {
		if c, ok := swap[p]; ok {
			if out == nil {
				out = slices.Clone(list)
			}
			out[i] = c
		}
	}
	if out == nil {
		return list
	}
	return out
}
