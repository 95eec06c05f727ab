#!/usr/bin/env bash
# Response-rate limiting per source prefix (DMP_DNS_RATE / DMP_DNS_BURST):
# a burst from one source is cut to the bucket size, refills over time, and
# TCP has its own bucket.
. "$(dirname "$0")/lib_dns.sh"

start_store
put a.example 'limited' 600
start_dns DMP_DNS_RATE=5 DMP_DNS_BURST=10
wait_dns a.example

step "a burst of 200 from one source is cut to about the bucket size"
sleep 2.1 # let the probes above refill the bucket to its 10 tokens
n=$(raw --count 200 --wait 1 --name a.example | sed 's/replies=//')
# 10 from the bucket, plus 5/s of refill while a slow (sanitizer) build works.
[ "$n" -ge 10 ] && [ "$n" -le 40 ] || fail "$n replies to a burst of 200 (bucket 10, 5/s)"

step "TCP has its own bucket"
expect_eq "TCP while UDP is empty" "$(q +tcp +short a.example TXT)" '"limited"'

step "the bucket refills"
wait_for "a refilled bucket" rcode_is NOERROR a.example TXT

stop_dns
step "DMP_DNS_RATE=0 disables the limit"
start_dns DMP_DNS_RATE=0
wait_dns a.example
n=$(raw --count 500 --paced --wait 1 --name a.example | sed 's/replies=//')
expect_eq "replies without a limit" "$n" 500
