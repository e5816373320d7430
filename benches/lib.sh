# Shell helpers shared by the measurement scripts under benches/ (sourced, not run).

# Waits up to 60 s for something to accept connections on loopback port $1.
wait_for_port() {
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1" >&2
  return 1
}
