// Command etcd is the etcd server built from the go.etcd.io/etcd/server/v3 module: the
// upstream main lives in a module with local replace directives, which cannot be built from
// the module proxy, so this wrapper calls the same entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
