%% dgbench.erl — the Erlang half of bench/run.sh.
%%
%% serve/0 runs on the receiving node (b@hostB.test): a registered server
%% that starts sinks and echoes for the sending node and answers pings.
%% control/0 runs on the sending node (a@hostA.test): it reads one command
%% per line on standard input (an Erlang term), runs it against b, prints
%% "R Seq Key Value" lines and then "DGB_DONE Seq".
%%
%% Commands (Opts is a map, see run.sh):
%%   {Seq, round, Peer, Opts}  bulk 64 KiB and 1 MiB, 64-byte rate, round
%%                             trip, connection setup
%%   {Seq, slow, Peer, Opts}   send as fast as the link takes while run.sh
%%                             throttles b; count busy_dist_port, sample
%%                             the gateways' RSS every second
%%   {Seq, connect, Peer, _}   connect and ping once
-module(dgbench).
-export([serve/0, control/0]).

-define(SRV, dgb_srv).

%% ---- receiving node ---------------------------------------------------------

serve() ->
    register(?SRV, self()),
    serve_loop().

serve_loop() ->
    receive
        {start, sink, From, AckEvery} ->
            From ! {started, spawn(fun() -> sink(From, AckEvery, 0, 0) end)};
        {start, echo, From} ->
            From ! {started, spawn(fun echo/0)};
        {ping, From, Ref} ->
            From ! {pong, Ref};
        _ ->
            ok
    end,
    serve_loop().

%% Counts what arrives; acks every AckEvery messages (0: never).
sink(From, AckEvery, Msgs, Bytes) ->
    receive
        B when is_binary(B) ->
            M = Msgs + 1,
            case AckEvery > 0 andalso M rem AckEvery =:= 0 of
                true -> From ! {ack, M};
                false -> ok
            end,
            sink(From, AckEvery, M, Bytes + byte_size(B));
        {done, Who} ->
            Who ! {total, Msgs, Bytes};
        stop ->
            ok
    end.

echo() ->
    receive
        {ping, From, Seq} -> From ! {pong, Seq}, echo();
        stop -> ok
    end.

%% ---- sending node -------------------------------------------------------------

control() ->
    case io:get_line('') of
        eof -> halt(0);
        {error, _} -> halt(1);
        Line ->
            run_line(Line),
            control()
    end.

run_line(Line) ->
    case parse(Line) of
        {ok, {Seq, Cmd, Peer, Opts}} ->
            try command(Cmd, Peer, Opts, fun(K, V) -> out(Seq, K, V) end)
            catch C:E:S ->
                out(Seq, error, io_lib:format("~p:~p ~p", [C, E, S]))
            end,
            io:format("DGB_DONE ~p~n", [Seq]);
        _ ->
            io:format("DGB_BAD ~s", [Line])
    end.

parse(Line) ->
    case erl_scan:string(Line) of
        {ok, Ts, _} -> erl_parse:parse_term(Ts);
        _ -> error
    end.

out(Seq, K, V) when is_float(V) -> io:format("R ~p ~s ~.3f~n", [Seq, K, V]);
out(Seq, K, V) when is_integer(V) -> io:format("R ~p ~s ~p~n", [Seq, K, V]);
out(Seq, K, V) -> io:format("R ~p ~s ~s~n", [Seq, K, V]).

command(connect, Peer, _O, Out) ->
    Out(connect_ms, setup_once(Peer));
command(round, Peer, O, Out) ->
    #{dur := Dur, gw := Gw, bpid := BPid, tck := Tck,
      rtt_n := RttN, setup_n := SetupN} = O,
    connect(Peer),
    Nodes = [list_to_integer(os:getpid()), BPid],
    G0 = cpu(Gw, Tck), N0 = cpu(Nodes, Tck),
    {Mb64, By64} = bulk(Peer, 65536, Dur, Out, tput64k),
    {_, By1m} = bulk(Peer, 1048576, Dur, Out, tput1m),
    G1 = cpu(Gw, Tck), N1 = cpu(Nodes, Tck),
    GB = (By64 + By1m) / 1.0e9,
    Gw =/= [] andalso Out(gw_cpu_s_per_gb, (G1 - G0) / GB),
    Out(node_cpu_s_per_gb, (N1 - N0) / GB),
    Mb64 > 0 orelse exit(no_throughput),
    rate(Peer, Dur, Out),
    rtt(Peer, RttN, Out),
    setup(Peer, SetupN, Out);
command(slow, Peer, O, Out) ->
    slow(Peer, O, Out).

connect(Peer) ->
    case net_kernel:connect_node(Peer) of
        true -> ok;
        _ -> exit({cannot_connect, Peer})
    end.

call_srv(Peer, Msg) ->
    {?SRV, Peer} ! Msg,
    receive {started, P} -> P after 10000 -> exit({no_answer, Peer}) end.

now_us() -> erlang:monotonic_time(microsecond).

%% Sends Size-byte binaries for Dur seconds with at most Window messages
%% in flight; prints MB/s (payload bytes, 10^6) and returns it with the
%% bytes carried.
bulk(Peer, Size, Dur, Out, Key) ->
    Bin = binary:copy(<<"x">>, Size),
    AckEvery = max(1, (4 bsl 20) div Size),
    R = call_srv(Peer, {start, sink, self(), AckEvery}),
    {Mbps, Bytes, _} = stream(R, Bin, Dur, AckEvery),
    Out(lists:concat([Key, "_mbps"]), Mbps),
    {Mbps, Bytes}.

stream(R, Bin, Dur, AckEvery) ->
    T0 = now_us(),
    send_loop(R, Bin, 0, 0, 4 * AckEvery, T0 + round(Dur * 1.0e6)),
    R ! {done, self()},
    {Msgs, Bytes} = receive {total, M, B} -> {M, B}
                    after 60000 -> exit(no_total) end,
    T1 = now_us(),
    flush_acks(),
    {Bytes / (T1 - T0), Bytes, Msgs * 1.0e6 / (T1 - T0)}.

send_loop(R, Bin, Sent, Acked, Window, Deadline) ->
    case Sent - Acked >= Window of
        true ->
            receive {ack, N} -> send_loop(R, Bin, Sent, N, Window, Deadline)
            after 30000 -> exit(no_ack)
            end;
        false ->
            R ! Bin,
            case Sent band 63 =:= 0 andalso now_us() >= Deadline of
                true -> Sent + 1;
                false -> send_loop(R, Bin, Sent + 1, Acked, Window, Deadline)
            end
    end.

flush_acks() ->
    receive {ack, _} -> flush_acks() after 0 -> ok end.

rate(Peer, Dur, Out) ->
    R = call_srv(Peer, {start, sink, self(), 2000}),
    {_, _, Mps} = stream(R, binary:copy(<<"x">>, 64), Dur, 2000),
    Out(rate64_mps, Mps).

rtt(Peer, N, Out) ->
    E = call_srv(Peer, {start, echo, self()}),
    Us = lists:sort([begin
                         T = now_us(),
                         E ! {ping, self(), I},
                         receive {pong, I} -> now_us() - T
                         after 10000 -> exit(no_pong) end
                     end || I <- lists:seq(1, N)]),
    E ! stop,
    Out(rtt_p50_us, pct(Us, 50)),
    Out(rtt_p99_us, pct(Us, 99)).

pct(Sorted, P) -> lists:nth(1 + (length(Sorted) - 1) * P div 100, Sorted).

%% Connection setup: disconnect, then time connect_node plus a first
%% round trip to b's server; the median of N.
setup(Peer, N, Out) ->
    Ms = lists:sort([setup_once(Peer) || _ <- lists:seq(1, N)]),
    Out(setup_ms, pct(Ms, 50) * 1.0).

setup_once(Peer) ->
    erlang:disconnect_node(Peer),
    wait_gone(Peer, 100),
    timer:sleep(100),
    T0 = now_us(),
    connect(Peer),
    Ref = make_ref(),
    {?SRV, Peer} ! {ping, self(), Ref},
    receive {pong, Ref} -> ok after 10000 -> exit(no_pong) end,
    (now_us() - T0) / 1000.

wait_gone(_Peer, 0) -> ok;
wait_gone(Peer, K) ->
    case lists:member(Peer, nodes([visible, hidden])) of
        true -> timer:sleep(10), wait_gone(Peer, K - 1);
        false -> ok
    end.

%% CPU seconds (user + system) of OS processes Pids.
cpu(Pids, Tck) ->
    lists:sum([begin
                   {ok, B} = file:read_file(["/proc/", integer_to_list(P), "/stat"]),
                   [_, Rest] = string:split(B, ")", trailing),
                   F = string:lexemes(Rest, " "),
                   (binary_to_integer(lists:nth(12, F)) +
                    binary_to_integer(lists:nth(13, F))) / Tck
               end || P <- Pids]).

rss_kb(Pid) ->
    {ok, B} = file:read_file(["/proc/", integer_to_list(Pid), "/status"]),
    {match, [Kb]} = re:run(B, "VmRSS:\\s+(\\d+) kB", [{capture, all_but_first, list}]),
    list_to_integer(Kb).

%% ---- slow receiver --------------------------------------------------------------

slow(Peer, O, Out) ->
    #{dur := Dur, gw := Gw} = O,
    connect(Peer),
    R = call_srv(Peer, {start, sink, self(), 0}),
    Mon = spawn_link(fun() -> busy_counter(0) end),
    erlang:system_monitor(Mon, [busy_dist_port]),
    Bin = binary:copy(<<"x">>, 65536),
    Rss0 = [rss_kb(P) || P <- Gw],
    T0 = now_us(),
    S = spawn_link(fun() -> blast(R, Bin, 0) end),
    Rss = [Rss0 | [sample_rss(Gw) || _ <- lists:seq(1, Dur)]],
    S ! {stop, self()},
    Sent = receive {sent, N} -> N after 60000 -> exit(sender_stuck) end,
    T1 = now_us(),
    erlang:system_monitor(undefined),
    Mon ! {count, self()},
    Busy = receive {busy, C} -> C after 5000 -> -1 end,
    R ! stop,
    Out(slow_busy_dist_port, Busy),
    Out(slow_sent_mbps, Sent * byte_size(Bin) / (T1 - T0)),
    [Out(slow_rss_kb, string:join([integer_to_list(P) |
                                   [integer_to_list(lists:nth(K, L)) || L <- Rss]], " "))
     || {K, P} <- lists:zip(lists:seq(1, length(Gw)), Gw)],
    ok.

sample_rss(Gw) ->
    timer:sleep(1000),
    [rss_kb(P) || P <- Gw].

%% Sends Bin to R until told to stop; a busy dist port suspends it.
blast(R, Bin, N) ->
    receive
        {stop, From} -> From ! {sent, N}
    after 0 ->
        R ! Bin,
        blast(R, Bin, N + 1)
    end.

busy_counter(N) ->
    receive
        {monitor, _, busy_dist_port, _} -> busy_counter(N + 1);
        {count, From} -> From ! {busy, N};
        _ -> busy_counter(N)
    end.
