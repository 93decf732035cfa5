package rpc

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/plumetrace/plume/chain"
)

// Options configure Dial. The zero value talks to a Bitcoin Core mainnet
// node on this machine, authenticating with its cookie file.
type Options struct {
	// URL is the node's JSON-RPC endpoint, e.g. "http://127.0.0.1:8332"
	// (a wallet path is allowed; "host:port" means http). "" means
	// 127.0.0.1 at Core's default RPC port for Params. Credentials in the
	// URL are used when User and Password are empty; they never appear in
	// errors.
	URL string
	// User and Password are the node's rpcuser and rpcpassword (or an
	// rpcauth entry). They take precedence over a cookie.
	User     string
	Password string
	// CookieFile is Core's .cookie file ("__cookie__:<password>"), which
	// Core rewrites at every start; the client rereads it when the node
	// answers 401. "" with no User and Password means Core's default
	// cookie for Params (e.g. ~/.bitcoin/regtest/.cookie), if it exists.
	CookieFile string
	// Params is the network the node must be on; Dial compares genesis
	// hashes. nil means chain.Mainnet.
	Params *chain.Params
	// Timeout bounds one attempt of one call (connect, send, read the
	// answer). 0 means 30 s; a whole block must arrive within it.
	Timeout time.Duration
	// Retries is how many times a call is repeated after an attempt that
	// may succeed later: a network error, a timeout, HTTP 5xx without a
	// JSON-RPC error, or -28 (warming up). Never after 401/403, another
	// 4xx, or any other error the node states. 0 means 4; negative means
	// none.
	Retries int
	// Backoff is the wait before the first retry; it doubles for each
	// further one, up to 30 s. 0 means 250 ms.
	Backoff time.Duration
	// Prefetch is how many blocks Blocks requests ahead of the one it
	// yields, so that the node works while the caller does. 0 means 4;
	// 1 fetches one block at a time.
	Prefetch int
	// SkipPositions makes PrevOut leave Prevout.Out zero instead of asking
	// the node for the transaction list of the block holding the output
	// (one getblock call per distinct block; see PrevOut).
	SkipPositions bool
	// BlockCache is how many blocks' transaction lists PrevOut keeps to
	// find positions. 0 means 64 (about 8 MB for full blocks).
	BlockCache int
	// HTTPClient, if set, sends the requests, e.g. one configured for TLS
	// with btcd's self-signed certificate. Its Timeout, if any, applies on
	// top of Timeout.
	HTTPClient *http.Client
}

func (o Options) withDefaults() Options {
	if o.Params == nil {
		o.Params = chain.Mainnet
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 4
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = 250 * time.Millisecond
	}
	if o.Prefetch <= 0 {
		o.Prefetch = 4
	}
	if o.BlockCache <= 0 {
		o.BlockCache = 64
	}
	return o
}

// maxBackoff caps the doubling wait between retries.
const maxBackoff = 30 * time.Second

// corePorts are Bitcoin Core's default RPC ports by network name.
var corePorts = map[string]string{
	"mainnet": "8332", "testnet3": "18332", "testnet4": "48332", "signet": "38332", "regtest": "18443",
}

// coreDirs are the subdirectories of Core's data directory, which hold
// each network's cookie.
var coreDirs = map[string]string{
	"mainnet": "", "testnet3": "testnet3", "testnet4": "testnet4", "signet": "signet", "regtest": "regtest",
}

// endpoint splits o.URL into the URL requests go to, which errors may
// show, and the credentials it carried.
func endpoint(o Options) (target, user, pass string, err error) {
	raw := o.URL
	if raw == "" {
		port, ok := corePorts[o.Params.Name]
		if !ok || o.Params.Coin != "BTC" {
			return "", "", "", fmt.Errorf("rpc: Options.URL is needed for network %s", o.Params.Name)
		}
		raw = "http://127.0.0.1:" + port
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the input, which may hold a password.
		return "", "", "", errors.New("rpc: Options.URL is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", "", "", fmt.Errorf("rpc: Options.URL must be http(s)://host:port, not %s://%s", u.Scheme, u.Host)
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		u.User = nil
	}
	return u.String(), user, pass, nil
}

// defaultCookie returns where Core keeps the cookie for p on this
// machine, or "" if not known.
func defaultCookie(p *chain.Params) string {
	sub, ok := coreDirs[p.Name]
	if !ok || p.Coin != "BTC" {
		return ""
	}
	var dir string
	switch runtime.GOOS {
	case "windows":
		cfg, err := os.UserConfigDir() // %APPDATA%
		if err != nil {
			return ""
		}
		dir = filepath.Join(cfg, "Bitcoin")
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, "Library", "Application Support", "Bitcoin")
	default:
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".bitcoin")
	}
	return filepath.Join(dir, sub, ".cookie")
}

// readCookie reads a "user:password" cookie file.
func readCookie(path string) (user, pass string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("rpc: reading cookie: %w", err)
	}
	user, pass, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	if !ok || user == "" {
		return "", "", fmt.Errorf("rpc: cookie file %s is not user:password", path)
	}
	return user, pass, nil
}
