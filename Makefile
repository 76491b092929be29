# The two commands a newcomer needs. Both install everything on first use (Node 24, npm
# packages, kube-apiserver/etcd/kubectl built from Go modules, promtool) and cache it.
.PHONY: demo test help

## demo: start a local control plane and a simulated Microsoft 365 tenant, run the controller, show it work
demo:
	@bash tools/bootstrap.sh
	@bash -c 'source tools/env.sh && npm run --silent demo -- $(ARGS)'

## test: every test: typecheck, generated-file check, unit, integration and end-to-end
test:
	@bash tools/bootstrap.sh
	@bash -c 'source tools/env.sh && npm test --silent'

help:
	@grep -E '^## ' Makefile | sed 's/^## //'
