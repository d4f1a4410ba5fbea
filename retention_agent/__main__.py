from retention_agent.entry import main

main()
