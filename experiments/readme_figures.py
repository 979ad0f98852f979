"""Rerun the READMEs' commands to rewrite the figures they show, into figures/: the one command
that writes there (a user's runs go to results/). `python -m experiments.readme_figures`"""

import importlib

import discrete_bandit as db

COMMANDS = (  # (module, its command line)
    ("discrete_bandit", []),
    ("experiments.compare", ["baseline", "--means", "0", "0.5", "1", "1.5",
                             "--means", "4", "4.5", "5", "5.5"]),
    ("experiments.policy_gradient", []),
    ("experiments.sutton_barto", []),
    ("experiments.sutton_barto", ["--figure", "2.6"]),
    ("experiments.regret", []),
    ("experiments.contextual", ["--steps", "320000"]),
    ("experiments.contextual", ["--steps", "320000", "--baseline"]),
)


def main(argv=None):
    parser = db.ArgumentParser(description="Rerun the READMEs' commands to rewrite the figures "
                               "they show.", allow_abbrev=False)
    parser.add_argument("--out", type=db.figures_folder, default="figures",
                        help="the figures' folder (default: figures)")
    out = parser.parse_args(argv).out
    for module, command in COMMANDS:
        status = importlib.import_module(module).main([*command, "--out", str(out)])
        if status:
            return status
    return 0


if __name__ == "__main__":
    db.command(main)
