"""Stand-in for `# kubectl-hostprocess:ping`: prints the node and its C:\\ (a testenv self-check)."""


def main(ctx):
    ctx.stdout.write(f"node={ctx.node} c={ctx.drive('C')}\n".encode())
    return 0
