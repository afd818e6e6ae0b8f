//go:build ignore

// botrender renders .krew.yaml offline the way krew-release-bot does (rajatjindal/krew-release-bot
// pkg/source/template.go, v0.0.51: text/template with the same addURIAndSha and indent functions),
// except that addURIAndSha hashes DIR/<file name of the URL> instead of downloading the URL.
// `make krew-check` uses it to check that .krew.yaml yields a valid manifest.
//
//	go run krew/botrender.go TEMPLATE TAG DIR
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/template"
)

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "botrender: "+format+"\n", a...)
	os.Exit(1)
}

func sha256File(name string) string {
	f, err := os.Open(name)
	if err != nil {
		die("%v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		die("%v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The bot's indent: addURIAndSha assumes a 4-space indent; indent N re-indents its output.
func indent(spaces int, v string) string {
	v = strings.Replace(v, "    sha256:", "sha256:", -1)
	pad := strings.Repeat(" ", spaces)
	return strings.TrimSpace(pad + strings.Replace(v, "\n", "\n"+pad, -1))
}

func main() {
	if len(os.Args) != 4 {
		die("usage: go run krew/botrender.go TEMPLATE TAG DIR")
	}
	templateFile, tag, dir := os.Args[1], os.Args[2], os.Args[3]
	t := template.New(path.Base(templateFile)).Funcs(map[string]any{
		"indent": indent,
		"addURIAndSha": func(url, tag string) string {
			buf := new(bytes.Buffer)
			temp := template.Must(template.New("url").Parse(url))
			if err := temp.Execute(buf, struct{ TagName string }{tag}); err != nil {
				die("%v", err)
			}
			sum := sha256File(filepath.Join(dir, path.Base(buf.String())))
			return fmt.Sprintf("uri: %s\n    sha256: %s", buf.String(), sum)
		},
	})
	tmpl, err := t.ParseFiles(templateFile)
	if err != nil {
		die("%v", err)
	}
	if err := tmpl.Execute(os.Stdout, struct{ TagName string }{tag}); err != nil {
		die("%v", err)
	}
}
