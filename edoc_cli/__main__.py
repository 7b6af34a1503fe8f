from edoc_cli.app import main

main()
