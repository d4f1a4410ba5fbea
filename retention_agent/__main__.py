from retention_agent.cli import main

main()
