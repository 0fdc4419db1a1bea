%% flood.erl - an attacker that holds many idle TCP connections, and a
%% legitimate peer that times a new TLS connection, test tools for the
%% integration scenarios (30-budget-flood).
%%
%%   erl -noshell -pa EBIN -run flood hold STATUS SECS ADDR PORT N REOPENMS
%%       SRC[,SRC...] [HEX]
%%   erl -noshell -pa EBIN -run flood probe ADDR PORT CERT KEY CA REQHEX
%%
%% hold: runs without distribution.  N slots, slot I connecting from
%% source address SRC (I mod their count) to ADDR:PORT and sending
%% nothing (or only the bytes HEX, say the start of a ClientHello that
%% never ends); when the other side closes a slot's connection (or a connect
%% fails), the slot connects again REOPENMS ms later, so the attacker keeps
%% trying to hold N connections open.  Every second it rewrites the file
%% STATUS with one line "open=O opened=P closed=C failed=F" (connections
%% open now, opened, closed by the other side and failed connects so far);
%% after SECS seconds it exits.
%%
%% probe: one new mutual-TLS connection to ADDR:PORT with certificate CERT
%% (key KEY, CA bundle CA), sends the bytes REQHEX and waits (5 s at most)
%% for the first bytes of the answer.  Prints "probe: ms=T got=HEX" (T:
%% from the start of the TCP connect to the answer) or "probe: failed
%% REASON ms=T".
-module(flood).
-export([main/1]).

main(["hold", Status, Secs, Addr, PortS, NS, ReopenS, Srcs]) ->
	main(["hold", Status, Secs, Addr, PortS, NS, ReopenS, Srcs, ""]);
main(["hold", Status, Secs, Addr, PortS, NS, ReopenS, Srcs, Hex]) ->
	Send = unhex(Hex),
	{ok, Ip} = inet:parse_address(Addr),
	Port = list_to_integer(PortS),
	Reopen = list_to_integer(ReopenS),
	SrcIps = [begin {ok, A} = inet:parse_address(S), A end ||
	    S <- string:tokens(Srcs, ",")],
	C = counters:new(4, [write_concurrency]),	% open opened closed failed
	N = list_to_integer(NS),
	NSrc = length(SrcIps),
	[spawn(fun() -> slot(lists:nth(I rem NSrc + 1, SrcIps), Ip, Port,
	    Reopen, Send, C) end) || I <- lists:seq(0, N - 1)],
	Deadline = erlang:monotonic_time(millisecond) +
	    list_to_integer(Secs) * 1000,
	status_loop(Status, C, Deadline);
main(["probe", Addr, PortS, Cert, Key, Ca, ReqHex]) ->
	{ok, _} = application:ensure_all_started(ssl),
	{ok, Ip} = inet:parse_address(Addr),
	T0 = erlang:monotonic_time(millisecond),
	Ms = fun() -> erlang:monotonic_time(millisecond) - T0 end,
	R = case ssl:connect(Ip, list_to_integer(PortS), [binary,
	    {active, false}, {certfile, Cert}, {keyfile, Key},
	    {cacertfile, Ca}, {verify, verify_none}], 5000) of
	{ok, S} ->
		ok = ssl:send(S, unhex(ReqHex)),
		case ssl:recv(S, 0, max(1, 5000 - Ms())) of
		{ok, B} -> {ok, B};
		E -> E
		end;
	E ->
		E
	end,
	case R of
	{ok, Got} ->
		io:format("probe: ms=~b got=~s~n", [Ms(), hex(Got)]);
	{error, Why} ->
		io:format("probe: failed ~p ms=~b~n", [Why, Ms()])
	end,
	halt(0).

slot(Src, Ip, Port, Reopen, Send, C) ->
	case gen_tcp:connect(Ip, Port, [binary, {active, true}, {ip, Src}],
	    10000) of
	{ok, S} ->
		_ = Send =:= <<>> orelse gen_tcp:send(S, Send),
		counters:add(C, 1, 1),
		counters:add(C, 2, 1),
		wait_closed(S),
		counters:sub(C, 1, 1),
		counters:add(C, 3, 1);
	{error, _} ->
		counters:add(C, 4, 1)
	end,
	timer:sleep(Reopen),
	slot(Src, Ip, Port, Reopen, Send, C).

wait_closed(S) ->
	receive
	{tcp, S, _} -> wait_closed(S);
	{tcp_closed, S} -> ok;
	{tcp_error, S, _} -> gen_tcp:close(S)
	end.

status_loop(File, C, Deadline) ->
	Line = io_lib:format("open=~b opened=~b closed=~b failed=~b~n",
	    [counters:get(C, I) || I <- [1, 2, 3, 4]]),
	ok = file:write_file(File ++ ".tmp", Line),
	ok = file:rename(File ++ ".tmp", File),
	case erlang:monotonic_time(millisecond) >= Deadline of
	true -> halt(0);
	false -> timer:sleep(1000), status_loop(File, C, Deadline)
	end.

unhex(S) ->
	<< <<(list_to_integer([A, B], 16))>> ||
	    <<A, B>> <= list_to_binary([X || X <- S, X =/= $\s]) >>.

hex(<<>>) -> "-";
hex(B) -> string:join([io_lib:format("~2.16.0b", [X]) ||
    <<X>> <= B], " ").
