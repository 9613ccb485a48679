"""qftune explore: Google's Model Explorer on a session's int8 .tflite, with qftune's per-node overlays."""

from __future__ import annotations


def register(sub):
    p = sub.add_parser("explore", help="open Model Explorer on the int8 .tflite with qftune's per-tensor overlays",
                       description="Start Google's Model Explorer (pip package ai-edge-model-explorer, an optional "
                       "extra: pip install 'qftune[explorer]') on its local server with the session's per-tensor "
                       "figures as node data (estimated SQNR, saturation, range width vs min/max, range method), "
                       "keyed by the .tflite's tensor names. A .tflite that is not this session's export is refused.")
    p.add_argument("session", metavar="S.qft", help="session file")
    p.add_argument("tflite", metavar="M_int8.tflite", help="the int8 model exported from this session (qftune export)")
    p.add_argument("--write-node-data", metavar="DIR", default=None,
                   help="write the node data JSON files (one per overlay) into DIR and start no server")
    p.add_argument("--host", default="127.0.0.1", help="the server's address (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8080, help="the server's port (default 8080)")
    p.add_argument("--no-browser", action="store_true", help="start the server without opening a browser")
    p.add_argument("--model", default=None, help="the calibrated Keras model, if it moved since calibration")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from ...graph.explorer import (
        check_session_export,
        file_name,
        missing_tensors,
        node_data,
        require_explorer,
        tensor_names,
    )
    from ...workflows.inputs import load_session

    explorer = require_explorer("qftune explore" + (" --write-node-data" if args.write_node_data else ""))
    if not Path(args.tflite).is_file():
        raise FileNotFoundError(f"{args.tflite}: no such .tflite file")
    session = load_session(args.session, args.model)
    check_session_export(session, args.tflite)
    names = tensor_names(session, args.tflite)
    data = node_data(session, names)
    missing = missing_tensors(names, data)
    if missing:
        raise ValueError(f"{len(missing)} plan tensor(s) have no node in {args.tflite}: {', '.join(missing)}")
    if args.write_node_data:
        from ...outputs import DIRECTORY, Output, check_outputs, write_outputs

        folder = Path(args.write_node_data)
        check_outputs([("the session", args.session), ("the model", args.tflite)],
                      [Output("--write-node-data", folder, DIRECTORY)])
        folder.mkdir(parents=True, exist_ok=True)
        files = [(Output("node data", folder / file_name(t), None), d.to_json_string(indent=2).encode("utf-8"))
                 for t, d in data.items()]
        write_outputs(files, inputs=[("the session", args.session), ("the model", args.tflite)])
        for out, _ in files:
            print(f"wrote {out.path}")
        print(f"{len(names)} plan tensors, all keyed by their .tflite tensor names")
        return 0
    config = explorer.config()
    config.add_model_from_path(str(Path(args.tflite).resolve()))
    # Model Explorer colours the graph by the node data added last: estimated SQNR (the first) opens shown
    for title, d in reversed(list(data.items())):
        config.add_node_data(title, d)
    explorer.visualize_from_config(config, host=args.host, port=args.port, no_open_in_browser=args.no_browser)
    return 0
