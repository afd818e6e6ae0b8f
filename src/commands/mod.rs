//! One file per subcommand, each a straight line: collect → check → render.
