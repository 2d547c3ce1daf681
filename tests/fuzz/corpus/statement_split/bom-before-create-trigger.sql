CREATE TRIGGER t AFTER IN;;;;;;;;;;;;;;;;;;;;;;;;‚;;;;¥;SERT SELECTS; 4;
