#!/usr/bin/env bash
# Runs the delivery load harness (bench/fanout) from the repository root:
#   bench/fanout.sh -scenario shared|distinct|crash|faults|stampede [flags]
cd "$(dirname "$0")/.." && exec go run ./bench/fanout "$@"
