from edoc_cli.entry import main

main()
