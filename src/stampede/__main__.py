from stampede.cli import main

main()
