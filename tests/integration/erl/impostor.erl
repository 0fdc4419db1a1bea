%% impostor.erl - a fake distribution acceptor, a test tool for the
%% integration scenarios (14-cookie-outbound-impostor).
%%
%%   erl -noshell -pa EBIN -run impostor main ALIVE FULLNAME [EPMD_PORT]
%%
%% Runs without distribution of its own.  It listens on 127.0.0.1 (an
%% ephemeral port), registers ALIVE there with the host's EPMD (distgate)
%% through a raw ALIVE2 request and keeps that socket open (closing it
%% would unregister).  Every connection it accepts gets the acceptor's side
%% of a version-6 distribution handshake on {packet,2} as FULLNAME, up to
%% the challenge ack, which carries a digest that is wrong (it does not
%% know the cookie).  Then it keeps the connection open until the other
%% side closes it.  Each step is printed as one "impostor: ..." line.
-module(impostor).
-export([main/1]).

%% The flags an OTP 25 node offers in its challenge (all mandatory ones,
%% PUBLISHED set).
-define(FLAGS, 16#0000000d07df7fbd).
-define(STEP_TIMEOUT, 10000).
-define(HOLD_TIMEOUT, 30000).

main([Alive, Full]) ->
	main([Alive, Full, "4369"]);
main([Alive, Full, EpmdPort]) ->
	{ok, L} = gen_tcp:listen(0, [binary, {packet, 2}, {active, false},
	    {ip, {127, 0, 0, 1}}, {reuseaddr, true}]),
	{ok, Port} = inet:port(L),
	{Epmd, Creation} = alive2(Alive, Port, list_to_integer(EpmdPort)),
	say("registered ~s port=~b creation=~b", [Alive, Port, Creation]),
	accept_loop(L, list_to_binary(Full), Creation, Epmd).

%% ALIVE2_REQ: 'x' PortNo NodeType=77 Protocol=0 Highest=6 Lowest=5
%% Nlen Name Elen=0; the answer is 'v' Result Creation:32 (or 'y' with a
%% 16-bit creation from an old EPMD).
alive2(Alive, Port, EpmdPort) ->
	{ok, S} = gen_tcp:connect({127, 0, 0, 1}, EpmdPort,
	    [binary, {packet, 0}, {active, false}]),
	Name = list_to_binary(Alive),
	Req = <<$x, Port:16, $M, 0, 6:16, 5:16, (byte_size(Name)):16,
	    Name/binary, 0:16>>,
	ok = gen_tcp:send(S, <<(byte_size(Req)):16, Req/binary>>),
	case gen_tcp:recv(S, 2, ?STEP_TIMEOUT) of
	{ok, <<$v, 0>>} ->
		{ok, <<C:32>>} = gen_tcp:recv(S, 4, ?STEP_TIMEOUT),
		{S, C};
	{ok, <<$y, 0>>} ->
		{ok, <<C:16>>} = gen_tcp:recv(S, 2, ?STEP_TIMEOUT),
		{S, C};
	Other ->
		say("registration refused: ~p", [Other]),
		halt(1)
	end.

accept_loop(L, Full, Creation, Epmd) ->
	case gen_tcp:accept(L) of
	{ok, S} ->
		P = spawn(fun() -> receive go -> handshake(S, Full, Creation)
		    end end),
		ok = gen_tcp:controlling_process(S, P),
		P ! go,
		accept_loop(L, Full, Creation, Epmd);
	{error, Why} ->
		say("accept failed: ~p", [Why]),
		halt(1)
	end.

handshake(S, Full, Creation) ->
	say("connection accepted"),
	case gen_tcp:recv(S, 0, ?STEP_TIMEOUT) of
	{ok, <<$N, Flags:64, PeerCreation:32, Nlen:16, Name:Nlen/binary,
	    _/binary>>} ->
		say("send_name from ~s flags=16#~.16b creation=~b",
		    [Name, Flags, PeerCreation]),
		challenge(S, Full, Creation);
	Other ->
		say("no send_name: ~p", [Other])
	end.

challenge(S, Full, Creation) ->
	ok = gen_tcp:send(S, <<"sok">>),
	ChallengeB = rand:uniform(16#ffffffff),
	ok = gen_tcp:send(S, <<$N, ?FLAGS:64, ChallengeB:32, Creation:32,
	    (byte_size(Full)):16, Full/binary>>),
	say("sent challenge as ~s", [Full]),
	case gen_tcp:recv(S, 0, ?STEP_TIMEOUT) of
	{ok, <<$r, ChallengeA:32, _Digest:16/binary>>} ->
		say("challenge_reply challenge=~b", [ChallengeA]),
		%% What a node with another cookie would send.
		Wrong = erlang:md5(["not-the-cookie",
		    integer_to_list(ChallengeA)]),
		ok = gen_tcp:send(S, <<$a, Wrong/binary>>),
		say("sent challenge_ack with a wrong digest"),
		hold(S);
	Other ->
		say("no challenge_reply: ~p", [Other])
	end.

%% Keep the connection open until the other side closes it.
hold(S) ->
	case gen_tcp:recv(S, 0, ?HOLD_TIMEOUT) of
	{ok, Data} ->
		say("data after the ack (~b bytes)", [byte_size(Data)]),
		hold(S);
	{error, closed} ->
		say("connection closed by the other side");
	{error, Why} ->
		say("connection still open after the ack: ~p", [Why])
	end.

say(Fmt) ->
	say(Fmt, []).

say(Fmt, Args) ->
	io:format("impostor: " ++ Fmt ++ "~n", Args).
