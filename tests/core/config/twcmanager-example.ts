/**
 * The shape of TWCManager's shipped example, etc/twcmanager/config.json (ngardiner/TWCManager):
 * every section in its order, its keys and sample values, and what makes it hard to read as JSON:
 * long `#` comment blocks (some indented with a tab), commented-out keys, a `#` comment after a
 * value on the same line, trailing commas in arrays and objects, commented-out array items. The
 * comment wording is ours (short), the structure is TWCManager's. A module rather than a file: XS
 * has no file system.
 */
export const TWCMANAGER_EXAMPLE_CONFIG = `{
    "config": {
        # Directory of the settings that the web interface changes.
        # (a second comment line)
        "settingsPath": "/etc/twcmanager",

        # Amps the wiring of all chargers can carry: 80 % of the breaker.
        # 50 A breaker * 0.8 = 40 here; 40 A breaker * 0.8 = 32 here.
        # IF YOU'RE NOT SURE WHAT TO PUT HERE, ASK YOUR ELECTRICIAN.
        "wiringMaxAmpsAllTWCs": 6,

        # One breaker for all chargers: the same value as wiringMaxAmpsAllTWCs.
        "wiringMaxAmpsPerTWC": 6,


        # A grid limit, used by a policy such as:
        # { "name": "Charge Now with Grid power limit",
        #   "match": [
        #       "settings.chargeNowAmps",
        #   ],
        #   "charge_limit": "config.chargeNowLimit"},
        "maxAmpsAllowedFromGrid": 15,

        # Low currents waste power: charge at 12 A at least.
        # https://teslamotorsclub.com/tmc/threads/model-s-gen2-charger-efficiency-testing.78740/#post-1844789
        #
        "minAmpsPerTWC": 12,

        # Seconds a start / stop decision must hold.
        #"startStopDelay": 60,

        # Feet from home that count as "at home".
        # "atHomeRadius": 1000,

        # Assumed when the wall connector reports no voltage.
        "defaultVoltage": 240,
        "numberOfPhases": 1,

        # "realPowerFactorMinAmps": 0.9,
        # "realPowerFactorMaxAmps": 0.93,

        # Extra grid amps that keep a car charging when the sun dips.
        "greenEnergyFlexAmps": 0,

        # Let the flex amps start a charge too.
        "useFlexAmpsToStartCharge": false,

        #"greenEnergyLatch": 15,

        # The meter sees the charger's load: subtract it.
        "subtractChargerLoad": false,

        # The meter reports what goes to the grid, not the generation.
        "treatGenerationAsGridDelivery": false,

        #"minChargeLevel": 10,

        # Tesla API app registration.
        #"teslaApiClientID": "client-id-of-registered-app",
        # "teslaProxy": "https://localhost:4443",
        #"teslaProxyCert": "/path/to/public_key.pem",

        # Seconds between Tesla API polls.
        "cloudUpdateInterval": 1800,

        # Car charge limits per policy: 50-100, or -1 for the car's own.
        #"chargeNowLimit": 100,
        #"greenEnergyLimit": 90,
        #"scheduledLimit": 50,
        #"nonScheduledLimit": -1,

        # Deprecated, use logLevel instead.
        # "debugLevel": 1,

        # Level     Numeric
        # ERROR     40
        # INFO      20
        # DEBUG     10
        "logLevel": 20,

        "displayMilliseconds": false,

        #"webhookMethod": "GET",

        # 1: act as the master (2: only listen).
        "fakeMaster": 1
    },

    # How we talk to the slaves. Only the first enabled interface is used.
    "interface": {
      "Dummy": {
        "enabled": false,

        # Simulates a slave for offline testing. Two characters.
        "twcID": "AB"
      },
      "RS485": {
        "enabled": true,

        # The wall connectors talk at 9600 baud.
        "baud": 9600,

        #"slaveTimeout": 26,

        # Run 'dmesg |grep ttyUSB' to find the adapter.
        "port": "/dev/ttyUSB0"

        # or "port": "socket://<host>:<port>"

      },
      "TCP": {
        "enabled": false,

        # In development: use RS485 instead.
        "listen": false,
        "server": "192.168.1.2"
      }
    },
    "control": {
      "HTTP": {
        "enabled": true,
        "listenPort": 8080
      },
      "MQTT": {
        "enabled": false,
        "brokerIP": "192.168.1.2",
        "topicPrefix": "TWC",
        "username": "mqttuser",
        "password": "mqttpass"
      },
      "OCPP": {
          "enabled": false,
          "serverPort": 9000
      }

    },

    # The policy engine: emergency, Charge Now, before, Scheduled, Green, after, Non Scheduled.
    "policy":{
      #"alwaysPollEMS": true,

      "engine":{
        "policyCheckInterval": 30
      },
      # Override and extend are mutually exclusive.
      "extend":{
        # Evaluated before Charge Now.
        "emergency":[
         { "name": "Charge Now with Grid power limit",
           "match": [
               "settings.chargeNowAmps",
               "settings.chargeNowTimeEnd",
               "settings.chargeNowTimeEnd",
           ],
           "condition": ["gt", "gt", "gt"],
           "value": [0, 0, "now"],
           "background_task": "checkMaxPowerFromGrid",
           "charge_amps": "settings.chargeNowAmps",
           "charge_limit": "config.chargeNowLimit"},

         { "name": "Scheduled Charging with Grid power limit",
           "match": [ "checkScheduledCharging()" ],
           "condition": [ "eq" ],
           "value": [ 1 ],
           "background_task": "checkMaxPowerFromGrid",
           "charge_amps": "settings.scheduledAmpsMax",
           "charge_limit": "config.scheduledLimit"},
        ],
        "before":[
        ],
        "after":[
        ],

        "restrictions":{
          #"Track Green Energy":{
          #  "match":[],
          #},
        },

        "webhooks": {
          #"Scheduled Charging": {
          #  "enter": "http://ift.tt/your_url_here",
          #}
        }
      },
      "override": [
      # { "name": "Charge Now",
      #   "match": [ "settings.chargeNowAmps" ],
      #   "charge_limit": "config.chargeNowLimit" },

      ]
    },
    "logging":{
        # Where status messages go.
        "Console": {
            "enabled": true,
            #"simple": true
        },
        "FileLogger": {
          "enabled": false,
          "path": "/etc/twcmanager/log",
          "mute":{
              "ChargeSessions": false,
              "GreenEnergy": false,
              "SlavePower": false,
              "SlaveStatus": false,
              "DebugLogLevelGreaterThan": 1
          }
        },
        "Sentry": {
          "enabled": true,
\t  # The DSN is under SDK Setup in Sentry.
\t  "DSN": "",
          "mute":{
              "ChargeSessions": false,
              "DebugLogLevelGreaterThan": 1
          }
        },
        "MySQL": {
            "enabled": false,
            "host": "1.2.3.4",
            "port": 3306,
            "database": "twcmanager",
            "username": "twcmanager",
            "password": "twcmanager"
        },
        "SQLite": {
            "enabled": false,
            "path": "/etc/twcmanager/twcmanager.sqlite"
        }
    },
    "sources":{
        # Generation and consumption sources; the values of all enabled ones are added.
        "DSMRreader": {
          "enabled": false,
          "brokerIP": "192.168.1.2",
          "username": "mqttuser",
          "password": "mqttpass",
          "topic": "dsmr/json",
        },
        "Fronius": {
            "enabled": false,
            "serverIP": "192.168.1.2"
        },
        "HASS": {
      # HomeAssistant sensors.
            "enabled": false,
            "serverIP": "192.168.1.1",
            "serverPort": "8123",
            "useHttps": false,
            "apiKey": "ABC123",
            "hassEntityConsumption": "sensor.meter_power_live",
            "hassEntityGeneration":  "sensor.inverter_power_live"
        },
        "OpenWeatherMap": {
            "enabled": false,
            #your position on earth
            "Latitude": 41.870978,
            "Longitude": 11.853508,
            "APIKey": "xyz-EDIT-ME-xyz",
            "PeakKW": [2, 4, 6, 6, 6.5, 6.9, 6.5, 6.0, 5.5, 4.5, 3, 2]
        },
        "SolarLog": {
          "enabled": false,
          "serverIP": "192.168.1.2",
          "excludeConsumptionInverters": [ 2 ] #Array of indices of devices to exclude consumption from.
        },
        "URL": {
          "enabled": false,
          "url": "http(s)://your/base/url/without/slash/at/end",
          "consumptionItem": "Consumption item name",
          "generationItem": "Generation item name"
        }
      },

    # Status plugins export what TWCManager sees.
    "status": {
        "HASS": {
            "enabled": false,
            "serverIP": "192.168.1.1",
            "serverPort": "8123",
            "msgRateInSeconds": 60,
            "apiKey": "ABC123"
        },
        "MQTT": {
            "enabled": false,
            "brokerIP": "192.168.1.1",
            "topicPrefix": "TWC",
            "ratelimit": 60,
          #  "username": "mqttuser",
          #  "password": "mqttpass"
        }
    },
    "vehicle": {
        "TeslaMate": {
            "enabled": false,
            "syncTokens": false,
            "db_host": "192.168.1.1"
        }
    }
}
`;
