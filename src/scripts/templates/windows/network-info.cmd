@echo off
rem Network configuration, routes and listening ports (cmd, works on every Windows).
echo == Configuration
ipconfig /all
echo.
echo == Routes
route print -4
echo.
echo == Listening ports
netstat -ano | findstr LISTENING
