%% tlsmany.erl - many mutual-TLS connections that send a request at the
%% same moment, a test tool for the integration scenarios (32-ban-closes).
%%
%%   erl -noshell -pa EBIN -run tlsmany main ADDR PORT CERT KEY CA N REQHEX
%%       GOFILE [KEEPHEX KEEPMS]
%%
%% Runs without distribution.  Opens N TLS connections to ADDR:PORT with
%% the certificate CERT (key KEY, CA bundle CA; the server's certificate is
%% not checked) and prints "tlsmany: connected N" once every handshake is
%% done.  With KEEPHEX, one more connection (the keeper) sends the bytes
%% KEEPHEX every KEEPMS ms from then on.  When the file GOFILE exists, the
%% bytes REQHEX go out on each of the N connections at once; then for 5 s
%% it records when each connection (and the keeper) is closed by the other
%% side, and prints one "tlsmany: conn I closed after MS ms got HEX" line
%% per connection ("open" for one still open after 5 s), then
%% "tlsmany: done closed=K of N keeper=MS|open".  It exits after that.
-module(tlsmany).
-export([main/1]).

-define(WAIT_AFTER, 5000).

main([Addr, PortS, Cert, Key, Ca, NS, ReqHex, GoFile | Keep]) ->
	{ok, _} = application:ensure_all_started(ssl),
	{ok, Ip} = inet:parse_address(Addr),
	Port = list_to_integer(PortS),
	Opts = [binary, {active, true}, {certfile, Cert}, {keyfile, Key},
	    {cacertfile, Ca}, {verify, verify_none}],
	N = list_to_integer(NS),
	Self = self(),
	Conns = [begin
		{ok, S} = ssl:connect(Ip, Port, Opts, 10000),
		P = spawn(fun() -> conn(I, Self) end),
		ok = ssl:controlling_process(S, P),
		P ! {sock, S},
		P
	end || I <- lists:seq(1, N)],
	Keeper = case Keep of
	[KeepHex, KeepMs] ->
		{ok, K} = ssl:connect(Ip, Port, Opts, 10000),
		KP = spawn(fun() -> keeper(K, unhex(KeepHex),
		    list_to_integer(KeepMs), Self) end),
		ok = ssl:controlling_process(K, KP),
		KP ! go,
		KP;
	[] ->
		none
	end,
	say("connected ~b", [N]),
	wait_file(GoFile),
	T0 = erlang:monotonic_time(millisecond),
	Req = unhex(ReqHex),
	[P ! {send, Req} || P <- Conns],
	erlang:send_after(?WAIT_AFTER, self(), stop),
	Res = collect(#{}, T0),
	Closed = lists:sort([{I, Ms, Got} || {{conn, I}, {Ms, Got}} <-
	    maps:to_list(Res)]),
	[say("conn ~b closed after ~b ms got ~s", [I, Ms, hex(Got)]) ||
	    {I, Ms, Got} <- Closed],
	[say("conn ~b open", [I]) || I <- lists:seq(1, N),
	    not maps:is_key({conn, I}, Res)],
	KeeperS = case {Keeper, maps:find(keeper, Res)} of
	{none, _} -> "none";
	{_, {ok, {Ms, _}}} -> integer_to_list(Ms);
	{_, error} -> "open"
	end,
	say("done closed=~b of ~b keeper=~s", [length(Closed), N, KeeperS]),
	halt(0).

conn(I, Owner) ->
	S = receive {sock, Sock} -> Sock end,
	conn_loop(I, S, Owner, <<>>).

conn_loop(I, S, Owner, Got) ->
	receive
	{send, B} ->
		_ = ssl:send(S, B),
		conn_loop(I, S, Owner, Got);
	{ssl, S, B} ->
		conn_loop(I, S, Owner, <<Got/binary, B/binary>>);
	{ssl_closed, S} ->
		Owner ! {closed, {conn, I}, Got};
	{ssl_error, S, _} ->
		Owner ! {closed, {conn, I}, Got}
	end.

keeper(S, Req, Ms, Owner) ->
	receive go -> ok end,
	keeper_loop(S, Req, Ms, Owner).

%% Sends REQ every MS ms; replies are read and dropped; a close is
%% reported at once, even between two requests.
keeper_loop(S, Req, Ms, Owner) ->
	_ = ssl:send(S, Req),
	keeper_wait(S, Req, Ms, Owner,
	    erlang:monotonic_time(millisecond) + Ms).

keeper_wait(S, Req, Ms, Owner, Next) ->
	Left = max(0, Next - erlang:monotonic_time(millisecond)),
	receive
	{ssl, S, _} ->
		keeper_wait(S, Req, Ms, Owner, Next);
	{ssl_closed, S} ->
		Owner ! {closed, keeper, <<>>};
	{ssl_error, S, _} ->
		Owner ! {closed, keeper, <<>>}
	after Left ->
		keeper_loop(S, Req, Ms, Owner)
	end.

collect(Res, T0) ->
	receive
	{closed, Who, Got} ->
		Ms = erlang:monotonic_time(millisecond) - T0,
		collect(Res#{Who => {max(Ms, 0), Got}}, T0);
	stop ->
		Res
	end.

wait_file(F) ->
	case filelib:is_file(F) of
	true -> ok;
	false -> timer:sleep(50), wait_file(F)
	end.

unhex(S) ->
	<< <<(list_to_integer([A, B], 16))>> ||
	    <<A, B>> <= list_to_binary([C || C <- S, C =/= $\s]) >>.

hex(<<>>) -> "-";
hex(B) -> string:join([io_lib:format("~2.16.0b", [X]) ||
    <<X>> <= B], " ").

say(Fmt, Args) ->
	io:format("tlsmany: " ++ Fmt ++ "~n", Args).
