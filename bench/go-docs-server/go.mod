module agate-bench/go-docs-server

go 1.19
