PlumbAgentCommand.main()
