# ---- testenv (local control plane with fake Windows nodes; see testenv/) ---- BEGIN testenv block
.PHONY: testenv-build testenv-up testenv-down testenv-status

testenv-build: ## build/cache kube-apiserver, KCM, scheduler, etcd, kwok, krew (outside the repo)
	@bash testenv/build.sh

testenv-up: ## start the plane + default nodes + scenarios; last line: export KUBECONFIG=...
	@bash testenv/up.sh

testenv-down: ## stop the plane (pids from pid files only) and remove its state dir
	@bash testenv/down.sh

testenv-status: ## show components, readiness and nodes
	@bash testenv/status.sh
# ---- END testenv block
