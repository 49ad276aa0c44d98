// Package shortcode expands Hugo shortcodes in a page body before the body is
// rendered as Markdown, the way Hugo does.
//
// It owns the shortcode lexer ({{< name args >}}, {{% name args %}}, paired
// and self-closing forms, named and positional arguments, the {{</* */>}}
// escape), the built-in shortcodes (figure, highlight, x and twitter,
// youtube, vimeo, instagram, gist, ref, relref, param, details, qr, comment),
// and the site's and themes' shortcode templates, run as html/template with
// the part of Hugo's template API that real shortcodes use.
//
// Expansion never fails: an unknown shortcode, a malformed tag or a template
// that fails is reported as a Problem located by line and rendered as a
// visible marker, and the rest of the page renders as usual. Built-ins never
// touch the network: embeds become plain links and cards.
//
// The output of {{< >}} shortcodes is not Markdown: Expand leaves a
// placeholder token in the Markdown it returns, and Result.Restore puts the
// output back into the rendered HTML. The output of {{% %}} shortcodes is
// Markdown and is written into the returned source directly.
package shortcode
