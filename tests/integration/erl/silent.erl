%% silent.erl - a server that never answers, a test tool for the
%% integration scenarios (27-no-busy-loop).
%%
%%   erl -noshell -pa EBIN -run silent main PORT SECONDS
%%
%% Runs without distribution.  Listens on PORT (all addresses), accepts
%% every connection, reads and discards what arrives and never writes a
%% byte, for SECONDS; then it exits.  Prints "silent: listening" once it
%% listens and "silent: accepted" per connection.
-module(silent).
-export([main/1]).

main([PortS, SecsS]) ->
	Port = list_to_integer(PortS),
	{ok, L} = gen_tcp:listen(Port, [binary, {active, true},
	    {reuseaddr, true}]),
	io:format("silent: listening~n"),
	erlang:send_after(list_to_integer(SecsS) * 1000, self(), stop),
	Self = self(),
	spawn_link(fun() -> accept(L, Self) end),
	loop().

accept(L, Owner) ->
	{ok, S} = gen_tcp:accept(L),
	ok = gen_tcp:controlling_process(S, Owner),
	io:format("silent: accepted~n"),
	accept(L, Owner).

loop() ->
	receive
		stop -> halt(0);
		_ -> loop()
	end.
