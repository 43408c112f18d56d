from sim.cli.aigov import main

main()
