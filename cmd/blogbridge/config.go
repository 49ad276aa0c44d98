package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/blogbridge/blogbridge/feeds"
)

// Config is blogbridge's configuration, read once at start: defaults, then
// the config file, then BLOGBRIDGE_* environment variables, then flags.
type Config struct {
	Site      string `toml:"site"`       // Hugo site root (or a bare content folder)
	Addr      string `toml:"addr"`       // HOST:PORT to listen on
	Data      string `toml:"data"`       // folder for the database and keys
	BaseURL   string `toml:"base_url"`   // overrides the site's baseURL
	Drafts    bool   `toml:"drafts"`     // include drafts
	Future    bool   `toml:"future"`     // include future-dated pages
	Expired   bool   `toml:"expired"`    // include expired pages
	LogLevel  string `toml:"log_level"`  // debug, info, warn, error
	LogFormat string `toml:"log_format"` // text or json
	// MemoryLimit is the soft limit of the Go heap ("256MiB", "1GiB", "0"
	// for none); GOMEMLIMIT, when set, wins.
	MemoryLimit string `toml:"memory_limit"`
	// FeedItems is the most entries a feed holds; 0 for every page.
	FeedItems int `toml:"feed_items"`
	// WebSubHub is the URL of the WebSub hub feeds advertise and notify.
	WebSubHub string `toml:"websub_hub"`

	// Settings of the blog's fediverse actor (fediverse.go).
	FediverseUsername                  string `toml:"fediverse_username"`
	FediverseHost                      string `toml:"fediverse_host"`
	FediverseActorType                 string `toml:"fediverse_actor_type"`
	FediverseManuallyApprovesFollowers bool   `toml:"fediverse_manually_approves_followers"`
	FediverseAlsoKnownAs               string `toml:"fediverse_also_known_as"`
	FediverseProfileLinks              string `toml:"fediverse_profile_links"`
	FediverseObjectType                string `toml:"fediverse_object_type"`
	FediverseSecureMode                bool   `toml:"fediverse_secure_mode"`
	FediverseSections                  string `toml:"fediverse_sections"`
	FediverseTags                      string `toml:"fediverse_tags"`

	// Settings of the inbox and of delivery (fediverse.go).
	AllowPrivateNetworks bool   `toml:"allow_private_networks"`
	InboxRateLimit       int    `toml:"inbox_rate_limit"`
	DeliveryWorkers      int    `toml:"delivery_workers"`
	DeliveryPerHost      int    `toml:"delivery_per_host"`
	DeliveryMaxAge       string `toml:"delivery_max_age"`
	DeliveryBackoffBase  string `toml:"delivery_backoff_base"`
	DeliveryBackoffMax   string `toml:"delivery_backoff_max"`
	// Libcrypto is the OpenSSL libcrypto the blog's key signs with: a file
	// name or path; "" for libcrypto.so.3 or .so.1.1 when either loads;
	// "go" for Go's crypto/rsa.
	Libcrypto string `toml:"libcrypto"`
	// MetricsAddr is where Prometheus metrics are served, at /metrics;
	// empty for nowhere.
	MetricsAddr string `toml:"metrics_addr"`
}

// DefaultConfigFile is read from the working folder when --config is not
// given and the file exists.
const DefaultConfigFile = "blogbridge.toml"

func defaultConfig() Config {
	return Config{
		Site:        ".",
		Addr:        "localhost:8080",
		Data:        "data",
		LogLevel:    "info",
		LogFormat:   "text",
		MemoryLimit: "256MiB",
		FeedItems:   feeds.DefaultItems,

		InboxRateLimit:  100,
		DeliveryWorkers: 64,
		DeliveryPerHost: 4,
		DeliveryMaxAge:  "48h",

		DeliveryBackoffBase: "1m",
		DeliveryBackoffMax:  "6h",
	}
}

// setting describes one configuration value for flags and environment.
type setting struct {
	name  string // flag name; the variable is BLOGBRIDGE_ + upper snake case
	usage string
	str   *string
	bool  *bool
	num   *int
}

func (s setting) envName() string {
	return "BLOGBRIDGE_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_"))
}

// settings lists the values a command accepts; serve takes them all,
// check the ones about reading the site.
func (c *Config) settings(forServe bool) []setting {
	all := []setting{
		{name: "site", usage: "Hugo site root or content folder", str: &c.Site},
		{name: "base-url", usage: "public URL of the site, replacing its baseURL (e.g. http://localhost:8080/)", str: &c.BaseURL},
		{name: "drafts", usage: "include draft pages", bool: &c.Drafts},
		{name: "future", usage: "include pages dated in the future", bool: &c.Future},
		{name: "expired", usage: "include expired pages", bool: &c.Expired},
		{name: "log-level", usage: "log level: debug, info, warn or error", str: &c.LogLevel},
		{name: "log-format", usage: "log format: text or json", str: &c.LogFormat},
		{name: "memory-limit", usage: "soft limit of the Go heap, e.g. 256MiB or 1GiB; 0 for none (GOMEMLIMIT wins)", str: &c.MemoryLimit},
	}
	if forServe {
		all = append(all,
			setting{name: "addr", usage: "address to listen on, HOST:PORT", str: &c.Addr},
			setting{name: "data", usage: "folder for the database and keys", str: &c.Data},
			setting{name: "feed-items", usage: "most entries in a feed, newest first; 0 for every page", num: &c.FeedItems},
			setting{name: "websub-hub", usage: "URL of a WebSub hub to advertise in feeds and notify when they change", str: &c.WebSubHub},
		)
		all = append(all, c.fediverseSettings()...)
	}
	return all
}

// loadConfig builds the configuration for a command from the config file,
// the environment and args, and validates it.
func loadConfig(fs *flag.FlagSet, args []string, forServe bool) (Config, error) {
	cfg := defaultConfig()
	configPath := fs.String("config", "", "configuration file (default ./"+DefaultConfigFile+" when present)")
	// Flags are declared with the defaults, parsed, and applied last, so a
	// flag only overrides the file and environment when it was given.
	flagCfg := defaultConfig()
	for _, s := range flagCfg.settings(forServe) {
		if s.bool != nil {
			fs.BoolVar(s.bool, s.name, *s.bool, s.usage+" [$"+s.envName()+"]")
		} else if s.num != nil {
			fs.IntVar(s.num, s.name, *s.num, s.usage+" [$"+s.envName()+"]")
		} else {
			fs.StringVar(s.str, s.name, *s.str, s.usage+" [$"+s.envName()+"]")
		}
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	path, explicit := configFilePath(*configPath)
	if err := readConfigFile(path, explicit, &cfg); err != nil {
		return cfg, err
	}

	for _, s := range cfg.settings(forServe) {
		v, ok := os.LookupEnv(s.envName())
		if !ok {
			continue
		}
		if s.bool != nil {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("%s=%q: want true or false", s.envName(), v)
			}
			*s.bool = b
		} else if s.num != nil {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s=%q: want a whole number", s.envName(), v)
			}
			*s.num = n
		} else {
			*s.str = v
		}
	}

	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	fromFlags := flagCfg.settings(forServe)
	for i, s := range cfg.settings(forServe) {
		if !given[s.name] {
			continue
		}
		if s.bool != nil {
			*s.bool = *fromFlags[i].bool
		} else if s.num != nil {
			*s.num = *fromFlags[i].num
		} else {
			*s.str = *fromFlags[i].str
		}
	}
	return cfg, cfg.validate(forServe)
}

// configFilePath returns the configuration file to read, from --config
// (flag), else $BLOGBRIDGE_CONFIG, else ./blogbridge.toml, and whether it
// was asked for (then it must exist).
func configFilePath(flag string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if env := os.Getenv("BLOGBRIDGE_CONFIG"); env != "" {
		return env, true
	}
	return DefaultConfigFile, false
}

func readConfigFile(path string, explicit bool, cfg *Config) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := toml.NewDecoder(strings.NewReader(string(raw))).DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var serr *toml.StrictMissingError
		if errors.As(err, &serr) && len(serr.Errors) > 0 {
			first := serr.Errors[0]
			row, _ := first.Position()
			return fmt.Errorf("config file %s:%d: unknown setting %q", path, row, strings.Join(first.Key(), "."))
		}
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			row, col := derr.Position()
			return fmt.Errorf("config file %s:%d:%d: %s", path, row, col, derr.Error())
		}
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// validate checks every value and says what is wrong with the first bad one.
func (c Config) validate(forServe bool) error {
	if c.Site == "" {
		return errors.New("site: must not be empty")
	}
	if info, err := os.Stat(c.Site); err != nil {
		return fmt.Errorf("site %q: %w", c.Site, errors.Unwrap(err))
	} else if !info.IsDir() {
		return fmt.Errorf("site %q: not a folder", c.Site)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("base-url %q: want an absolute http or https URL such as https://blog.example/", c.BaseURL)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("base-url %q: must not have a query or fragment", c.BaseURL)
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log-format %q: want text or json", c.LogFormat)
	}
	if _, err := parseSize(c.MemoryLimit); err != nil {
		return fmt.Errorf("memory-limit %q: %v", c.MemoryLimit, err)
	}
	if !forServe {
		return nil
	}
	_, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("addr %q: want HOST:PORT, e.g. localhost:8080 or :8080", c.Addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("addr %q: port %q is not a number from 0 to 65535", c.Addr, port)
	}
	if c.Data == "" {
		return errors.New("data: must not be empty")
	}
	if _, err := c.fediverse(); err != nil {
		return err
	}
	if err := c.validateDelivery(); err != nil {
		return err
	}
	if c.FeedItems < 0 {
		return fmt.Errorf("feed-items %d: want 0 (every page) or more", c.FeedItems)
	}
	if c.WebSubHub != "" {
		u, err := url.Parse(c.WebSubHub)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("websub-hub %q: want an absolute http or https URL such as https://pubsubhubbub.appspot.com/", c.WebSubHub)
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func (c Config) logger() *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// parseSize reads a size such as "256MiB", "1GiB", "512MB" or a plain
// number of bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		factor int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	factor := int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, factor = strings.TrimSpace(n), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/factor {
		return 0, errors.New("want a size such as 256MiB, 1GiB or 0")
	}
	return n * factor, nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit, unless
// GOMEMLIMIT is set. With the limit, the garbage collector runs more often as
// the heap nears it, so a large site loads within a predictable footprint; it
// is soft: the heap grows past it when the live data needs more.
func (c Config) applyMemoryLimit(logger *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	n, err := parseSize(c.MemoryLimit)
	if err != nil || n == 0 {
		return
	}
	debug.SetMemoryLimit(n)
	logger.Debug("memory limit set", slog.Int64("bytes", n))
}

// relaxedGCPercent is the garbage collector's target under a memory
// limit: the heap may grow to five times the live data, not twice, and the
// limit still bounds it.
const relaxedGCPercent = 400

// relaxGC raises the garbage collector's target to relaxedGCPercent, unless
// there is no memory limit or GOGC is set. Loading a site and a burst of
// follows both make garbage fast: loading 10,000 posts allocates about
// 180 KB a page (2.20 s instead of 2.44 s with the default, medians of 7
// runs), and in fedisim's follow load serve's CPU a follow fell from
// 0.81 ms to 0.67 ms (medians of 3 runs; peak RSS 268 MB instead of
// 167 MB). The limit still bounds the heap: with the default 256 MiB, a
// large site's heap reaches it before five times its live data.
func relaxGC() {
	if os.Getenv("GOGC") != "" || debug.SetMemoryLimit(-1) == math.MaxInt64 {
		return
	}
	debug.SetGCPercent(relaxedGCPercent)
}
