from carestats.cli.commands import main

main()
