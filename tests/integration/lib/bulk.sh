# bulk.sh — streams between nodes, checksummed at both ends: the sink code a
# node runs (BULK_SINK) and send_stream (12-bulk, 30-bulk-1g).

# shellcheck shell=bash

# BULK_SINK: Erlang code for node_start's CODE: a registered process
# `sink` that, on {start, From, N}, collects N {chunk, Bin} messages and
# answers {md5, Digest} of their concatenation; and on {seq, From, N}
# checks that {n, 1} .. {n, N} arrive in order and answers {seq_ok, Bool}.
# shellcheck disable=SC2034 # used by the scenarios
BULK_SINK='
Sink = spawn(fun() -> register(sink, self()), (fun Loop() ->
	receive {start, From, N} ->
		Ctx = lists:foldl(fun(_, C) -> receive {chunk, Bin} ->
			erlang:md5_update(C, Bin) end end, erlang:md5_init(), lists:seq(1, N)),
		From ! {md5, erlang:md5_final(Ctx)}, Loop();
	{seq, From, N} ->
		Ok = lists:all(fun(I) -> receive {n, J} -> I =:= J end end, lists:seq(1, N)),
		From ! {seq_ok, Ok}, Loop()
	end end)() end),
true = is_pid(Sink)'

# send_stream FROM_HOST FROM TO COUNT SIZE [SECS]: stream COUNT binaries of
# SIZE bytes (a counter, then one random block) from node FROM to TO's
# sink; prints true when both MD5s agree (timeout after SECS, default 60).
send_stream() {
	local secs=${6:-60}
	node_rpc --timeout $((secs + 30)) "$1" "$2" "
		To = {sink, '$3'},
		Me = self(),
		To ! {start, Me, $4},
		Base = crypto:strong_rand_bytes($5 - 4),
		Ctx = lists:foldl(fun(I, C) ->
			Bin = <<I:32, Base/binary>>,
			To ! {chunk, Bin},
			erlang:md5_update(C, Bin) end, erlang:md5_init(), lists:seq(1, $4)),
		Mine = erlang:md5_final(Ctx),
		receive {md5, Theirs} -> Theirs =:= Mine after ${secs}000 -> timeout end"
}
