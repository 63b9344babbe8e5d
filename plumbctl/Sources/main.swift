Plumbctl.main()
