%% cutter.erl - a distribution initiator that stops at every byte, a test
%% tool for the integration scenarios (31-handshake-cut).
%%
%%   erl -noshell -pa EBIN -run cutter main ADDR PORT MYNAME COOKIE
%%
%% Runs without distribution of its own.  Plays the initiator's side of a
%% version-6 handshake (send_name, challenge_reply) on {packet,2} towards
%% ADDR:PORT (an alias port of distgate, standing for a remote node), with
%% COOKIE.  First it measures the bytes the initiator sends in a whole
%% handshake (T); then, for every K in 0..T-1, it connects again, sends
%% exactly the first K of those bytes (answering what comes back as far as
%% it can) and closes.  Last, it runs the whole handshake once more and
%% checks the acceptor's ack.  Prints "cutter: total T", one line per cut
%% and "cutter: complete ok" (or "cutter: complete failed ...").
-module(cutter).
-export([main/1]).

-define(FLAGS, 16#0000000d07df7fbd).
-define(T, 5000).

main([Addr, PortS, Name, Cookie]) ->
	{ok, Ip} = inet:parse_address(Addr),
	Port = list_to_integer(PortS),
	{ok, Total} = run(Ip, Port, Name, Cookie, infinity),
	io:format("cutter: total ~b~n", [Total]),
	[begin
		R = run(Ip, Port, Name, Cookie, K),
		io:format("cutter: cut at ~b: ~p~n", [K, R])
	 end || K <- lists:seq(0, Total - 1)],
	case run(Ip, Port, Name, Cookie, infinity) of
		{ok, Total} -> io:format("cutter: complete ok~n");
		Other -> io:format("cutter: complete failed ~p~n", [Other])
	end,
	halt(0).

%% Runs one handshake, sending at most Cut bytes (infinity: all).
%% Returns {ok, BytesSent} after a whole handshake, or {cut, Phase}.
run(Ip, Port, Name, Cookie, Cut) ->
	{ok, S} = gen_tcp:connect(Ip, Port, [binary, {packet, raw},
	    {active, false}, {nodelay, true}], ?T),
	SendName = frame(<<"N", ?FLAGS:64, 1:32, (length(Name)):16,
	    (list_to_binary(Name))/binary>>),
	R = case send(S, SendName, 0, Cut) of
		{cut, N} -> {cut, {send_name, N}};
		{ok, Sent} ->
			{ok, <<"s", Status/binary>>} = recv(S),
			{ok, <<"N", _:64, Chal:32, _/binary>>} = recv(S),
			Mine = 16#12345678,
			Digest = erlang:md5([Cookie, integer_to_list(Chal)]),
			Reply = frame(<<"r", Mine:32, Digest/binary>>),
			case send(S, Reply, Sent, Cut) of
				{cut, N2} -> {cut, {challenge_reply, N2, Status}};
				{ok, Sent2} ->
					Want = erlang:md5([Cookie, integer_to_list(Mine)]),
					case recv(S) of
						{ok, <<"a", Want/binary>>} -> {ok, Sent2};
						Other -> {bad_ack, Other}
					end
			end
	end,
	gen_tcp:close(S),
	R.

frame(Bin) -> <<(byte_size(Bin)):16, Bin/binary>>.

%% Sends Bin, or only what fits under Cut counting Before bytes already
%% sent.  Returns {ok, Total} or {cut, Sent}.
send(S, Bin, Before, Cut) when Cut =:= infinity;
    Before + byte_size(Bin) =< Cut ->
	ok = gen_tcp:send(S, Bin),
	case Before + byte_size(Bin) of
		Cut -> {cut, Cut};
		N -> {ok, N}
	end;
send(S, Bin, Before, Cut) ->
	Part = binary:part(Bin, 0, Cut - Before),
	_ = Part =:= <<>> orelse gen_tcp:send(S, Part),
	{cut, Cut}.

recv(S) ->
	case gen_tcp:recv(S, 2, ?T) of
		{ok, <<Len:16>>} -> gen_tcp:recv(S, Len, ?T);
		E -> E
	end.
