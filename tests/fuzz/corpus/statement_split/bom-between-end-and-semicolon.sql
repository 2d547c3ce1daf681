CREATE TRIGGER  THEN ly ND; SEN t’ø_enÿÿÿÿÿÿÿÿ  T ø_end; ÿÿÿÿÿÿÿÿEnd
T CREATE TEMP TRIGGER ÿÿ;ÿF END;
SM END;EXÛÿ(R ø_end;A Ûÿÿ       T ø_end; ÿÿÿÿÿÿEER  THEÿÿÿÿÿÿ     T ø_end; ,ÿÿÿÿÿÿÿ6;End
T C(R ø_end;A Ûÿÿ       T ø_end; ÿÿÿÿÿÿEER  THEÿÿÿÿÿÿÿÿÿÿ     T ø_end; ,ÿÿÿÿÿÿÿEnd
T C(R ø_end;A Ûÿÿ       T ø_end; ÿÿÿÿÿÿER  THEN ?ly ND;Ö¬º@ß‹m+ž ø_end; End
  ï»¿    ;;;;;;;;È;;‚ÿÿÿÿÿÿÿÿÿ  C(R ø_end;A ÛÿÿE_end;A Ûÿÿ     mž ø_end;Ö¬º@ø_end; EnR  THEN ly ND;Ö¬º±ß‹mž ø_end;Ö¬º@ø_end; Eÿÿÿÿÿÿÿÿÿÿÿ  Cÿÿÿÿÿÿÿ     T ø_end; ,ÿÿÿÿ;;¥;SERT SELECT‚;;¥;SERT SELÿÿÿEndž ø_end; -†End
          T ø_end; ÿÿ;;;;;;;;Æ;;;;;;;;;;;;;È;;‚ÿÿÿÿÿÿÿÿÿ  C(R ø_end;A ÛÿÿE_end;A Ûÿÿ     mž ø_end;Ö¬º@ø_end; EnR  THEN ly ND;Ö¬º±ß‹mž ø_end;Ö¬º@ø_end; Eÿÿÿÿÿÿÿÿÿÿÿ  Cÿÿÿÿÿÿÿ     T ø_end; ,ÿÿÿÿ;;¥;SERT SELECT‚;;¥;SERT SELÿÿÿEnd
T C(R ø_end;A Ûÿÿ       T ø_end; ÿÿø_end;Õ   T ø_end; ,ÿÿÿÿT‚;;¥;SERT SELÿÿÿEnd
T C(R ø_end;A Ûÿÿ       T ø_end; ÿÿø_end;Õ   T ø_end; ,ÿÿÿÿÿÿÿEnd
A ÛÿÿE_end;A Ûÿÿ       T ø_end; ÿÿÿÿÿÿER  THEN ly ND;Ö¬º±ß‹mž ø_end;Ö¬º@ø_end; EnR  THEN ly ND;Ö¬º±ß‹mž ø_end;Ö¬º@ø_end; Eÿÿÿÿÿÿÿÿÿÿÿ  Cÿÿÿÿÿÿÿ     T ø_end; ,ÿÿÿÿ;;¥;SERT SELECT‚;;¥;SERT SELÿÿÿEnd
T C(R ø_end;A Ûÿÿ       T ø_end; ÿÿø_end;Õ ÿÿÿÿÿÿÿÿÿÿÿ     T ø_end; ,ÿÿÿÿÿÿÿEnd
T CECT; 4(R ø_end;A Ûÿÿ    ;   T ø_end; ÿÿÿ
ÿÿÿER  THEN ly ND;Ö¬º@ß‹m+ž ø_end; End
          T ø_end;@ß‹m+ ø_end;A Ûÿÿ  