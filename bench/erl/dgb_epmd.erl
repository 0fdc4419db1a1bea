%% dgb_epmd.erl — the EPMD module of the sending node in the stunnel cell
%% (-epmd_module dgb_epmd).
%%
%% Everything goes to OTP's erl_epmd except the port of a remote node: that
%% is the port of the local stunnel client, from $DGB_STUNNEL_PORT, so
%% that a node whose host name resolves to 127.0.0.1 (inetrc) dials the
%% stunnel pair instead of the node behind it.
-module(dgb_epmd).
-export([start_link/0, register_node/2, register_node/3,
         port_please/2, port_please/3, listen_port_please/2,
         names/0, names/1, address_please/3]).

start_link() -> erl_epmd:start_link().

register_node(Name, Port) -> erl_epmd:register_node(Name, Port).

register_node(Name, Port, Driver) -> erl_epmd:register_node(Name, Port, Driver).

listen_port_please(Name, Host) -> erl_epmd:listen_port_please(Name, Host).

names() -> erl_epmd:names().

names(Host) -> erl_epmd:names(Host).

address_please(_Name, _Host, _Family) -> {ok, {127, 0, 0, 1}, stunnel_port(), 6}.

port_please(Name, Host) -> port_please(Name, Host, infinity).

port_please(_Name, _Host, _Timeout) -> {port, stunnel_port(), 6}.

stunnel_port() -> list_to_integer(os:getenv("DGB_STUNNEL_PORT")).
