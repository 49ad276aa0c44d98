package shortcode

import (
	"strings"
	"testing"
)

func FuzzExpand(f *testing.F) {
	seed, _ := readSeed(f)
	f.Add(string(seed), uint16(9))
	for _, s := range []string{
		"{{< x user=\"a\" id=\"1\" >}}",
		"{{< details summary=\"s\" >}}\n*in*\n{{< /details >}}",
		"{{< box >}}{{< box >}}{{% md \"a\" %}}b{{% /md %}}{{< /box >}}{{< /box >}}",
		"{{</* figure src=\"x\" */>}} {{%/* x */%}}",
		"{{< figure src=\"a.jpg\" caption=\"*c*\" link=\"https://x/\" >}}",
		"{{< highlight go \"linenos=table\" >}}\n  x\n{{< /highlight >}}",
		"{{< note >}}{{< /details >}}{{< /note >}}",
		"{{< x a=\"b >}}\n{{< y `raw",
		"{{< nope >}}x{{< /nope >}}{{< /nope >}}",
		"{{< args 1 2.5 true `r` \"q\" >}}{{< args a=1 >}}{{< who />}}",
		"{{< img \"nope\" >}}{{< warns >}}{{< fails >}}{{< param author >}}",
		"```\n{{< ref \"posts/other.md\" >}}\n```\n## {{< relref \"x\" >}}",
		"{{< qr >}}https://x.org{{< /qr >}}{{< comment >}}x{{< /comment >}}",
		"BBSHORTCODE0000X {{< youtube id=\"a\" >}} bbshortcode0000x",
		"{{{<{{%%}}>}}{{< / >}}{{< /x\n>}}{{<\n\n",
	} {
		f.Add(s, uint16(1))
	}
	e := mustEngine(f, "testdata/layouts", "testdata/theme/layouts")
	f.Fuzz(func(t *testing.T, body string, first uint16) {
		firstLine := int(first%5000) + 1
		r := e.Expand([]byte(body), firstLine, testPage(), testSite(), testEnv())
		last := firstLine + strings.Count(body, "\n")
		for _, p := range r.Problems {
			if p.Line < firstLine || p.Line > last {
				t.Errorf("problem %q on line %d, outside lines %d-%d", p.Message, p.Line, firstLine, last)
			}
			if p.Message == "" || strings.Contains(p.Message, "internal error") {
				t.Errorf("problem %+v", p)
			}
		}
		if !strings.Contains(body, "{{<") && !strings.Contains(body, "{{%") && string(r.Markdown) != body {
			t.Errorf("body without shortcodes changed")
		}
		restored := r.Restore(r.Markdown)
		if strings.Contains(string(restored), r.prefix) && !strings.Contains(body, r.prefix) {
			t.Errorf("placeholder left after Restore: %q", restored)
		}
	})
}
