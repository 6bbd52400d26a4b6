//go:build tools

// Package tools pins the kustomize CLI for deploy/lint/run.sh. Used only when
// `go install sigs.k8s.io/kustomize/kustomize/v5@<version>` cannot resolve through the
// module proxy: installing from inside this module skips the proxy's @v/list lookup and
// verifies every module against go.sum.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
